"use strict";
var __awaiter = (this && this.__awaiter) || function (thisArg, _arguments, P, generator) {
    function adopt(value) { return value instanceof P ? value : new P(function (resolve) { resolve(value); }); }
    return new (P || (P = Promise))(function (resolve, reject) {
        function fulfilled(value) { try { step(generator.next(value)); } catch (e) { reject(e); } }
        function rejected(value) { try { step(generator["throw"](value)); } catch (e) { reject(e); } }
        function step(result) { result.done ? resolve(result.value) : adopt(result.value).then(fulfilled, rejected); }
        step((generator = generator.apply(thisArg, _arguments || [])).next());
    });
};
var __generator = (this && this.__generator) || function (thisArg, body) {
    var _ = { label: 0, sent: function() { if (t[0] & 1) throw t[1]; return t[1]; }, trys: [], ops: [] }, f, y, t, g = Object.create((typeof Iterator === "function" ? Iterator : Object).prototype);
    return g.next = verb(0), g["throw"] = verb(1), g["return"] = verb(2), typeof Symbol === "function" && (g[Symbol.iterator] = function() { return this; }), g;
    function verb(n) { return function (v) { return step([n, v]); }; }
    function step(op) {
        if (f) throw new TypeError("Generator is already executing.");
        while (g && (g = 0, op[0] && (_ = 0)), _) try {
            if (f = 1, y && (t = op[0] & 2 ? y["return"] : op[0] ? y["throw"] || ((t = y["return"]) && t.call(y), 0) : y.next) && !(t = t.call(y, op[1])).done) return t;
            if (y = 0, t) op = [op[0] & 2, t.value];
            switch (op[0]) {
                case 0: case 1: t = op; break;
                case 4: _.label++; return { value: op[1], done: false };
                case 5: _.label++; y = op[1]; op = [0]; continue;
                case 7: op = _.ops.pop(); _.trys.pop(); continue;
                default:
                    if (!(t = _.trys, t = t.length > 0 && t[t.length - 1]) && (op[0] === 6 || op[0] === 2)) { _ = 0; continue; }
                    if (op[0] === 3 && (!t || (op[1] > t[0] && op[1] < t[3]))) { _.label = op[1]; break; }
                    if (op[0] === 6 && _.label < t[1]) { _.label = t[1]; t = op; break; }
                    if (t && _.label < t[2]) { _.label = t[2]; _.ops.push(op); break; }
                    if (t[2]) _.ops.pop();
                    _.trys.pop(); continue;
            }
            op = body.call(thisArg, _);
        } catch (e) { op = [6, e]; y = 0; } finally { f = t = 0; }
        if (op[0] & 5) throw op[1]; return { value: op[0] ? op[1] : void 0, done: true };
    }
};
Object.defineProperty(exports, "__esModule", { value: true });
// npm run infra:up | infra:down | infra:status | infra:logs
var errors_ts_1 = require("./errors.ts");
var daemon_ts_1 = require("./daemon.ts");
var stack_ts_1 = require("./stack.ts");
function main(command) {
    return __awaiter(this, void 0, void 0, function () {
        var _a, endpoints, stopped, _i, _b, component, state, _c, _d, component;
        var _e;
        return __generator(this, function (_f) {
            switch (_f.label) {
                case 0:
                    _a = command;
                    switch (_a) {
                        case "up": return [3 /*break*/, 1];
                        case "down": return [3 /*break*/, 3];
                        case "status": return [3 /*break*/, 5];
                        case "logs": return [3 /*break*/, 10];
                    }
                    return [3 /*break*/, 15];
                case 1: return [4 /*yield*/, (0, stack_ts_1.up)()];
                case 2:
                    endpoints = (_f.sent()).endpoints;
                    console.log("kafka     ".concat(endpoints.kafkaBrokers, " (Apache Kafka ").concat(endpoints.kafkaVersion, ", KRaft)"));
                    console.log("registry  ".concat(endpoints.schemaRegistryUrl));
                    console.log("postgres  ".concat(endpoints.databaseUrl.replace(/:[^:@/]+@/, ":***@"), " (").concat(endpoints.postgres, ")"));
                    console.log("state     ".concat(endpoints.stateDir));
                    return [2 /*return*/];
                case 3: return [4 /*yield*/, (0, stack_ts_1.down)()];
                case 4:
                    stopped = _f.sent();
                    console.log(stopped.length > 0 ? "stopped: ".concat(stopped.join(", ")) : "nothing of the stack was running");
                    return [2 /*return*/];
                case 5:
                    _i = 0;
                    return [4 /*yield*/, (0, stack_ts_1.status)()];
                case 6:
                    _b = _f.sent();
                    _f.label = 7;
                case 7:
                    if (!(_i < _b.length)) return [3 /*break*/, 9];
                    component = _b[_i];
                    state = component.ready ? "ready" : component.pid ? "starting or unhealthy" : "not running";
                    console.log("".concat(component.name.padEnd(20), " ").concat(state.padEnd(22), " pid ").concat(String((_e = component.pid) !== null && _e !== void 0 ? _e : "-").padEnd(8), " ").concat(component.endpoint));
                    _f.label = 8;
                case 8:
                    _i++;
                    return [3 /*break*/, 7];
                case 9: return [2 /*return*/];
                case 10:
                    _c = 0;
                    return [4 /*yield*/, (0, stack_ts_1.status)()];
                case 11:
                    _d = _f.sent();
                    _f.label = 12;
                case 12:
                    if (!(_c < _d.length)) return [3 /*break*/, 14];
                    component = _d[_c];
                    console.log("==> ".concat(component.log, " <=="));
                    console.log((0, daemon_ts_1.tailOf)(component.log, 30) || "(empty)");
                    _f.label = 13;
                case 13:
                    _c++;
                    return [3 /*break*/, 12];
                case 14: return [2 /*return*/];
                case 15:
                    console.error("usage: node infra/src/cli.ts up|down|status|logs");
                    process.exitCode = 2;
                    _f.label = 16;
                case 16: return [2 /*return*/];
            }
        });
    });
}
try {
    await main(process.argv[2]);
}
catch (error) {
    if (error instanceof errors_ts_1.InfraError) {
        console.error("hooklog: ".concat(error.message));
        console.error("hooklog: what to do: ".concat(error.hint));
        process.exitCode = 1;
    }
    else {
        throw error;
    }
}
