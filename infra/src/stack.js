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
exports.up = up;
exports.readStackFile = readStackFile;
exports.down = down;
exports.status = status;
var node_fs_1 = require("node:fs");
var kafka_ts_1 = require("./kafka.ts");
var paths_ts_1 = require("./paths.ts");
var postgres_ts_1 = require("./postgres.ts");
var registry_ts_1 = require("./registry.ts");
var stackFile = function () { return (0, paths_ts_1.statePath)("stack.json"); };
/** Idempotent: starts whatever of Postgres, Kafka and the registry is not running, and waits until each is ready. */
function up() {
    return __awaiter(this, arguments, void 0, function (env) {
        var started, postgres, _a, kafkaBrokers, schemaRegistryUrl, endpoints;
        if (env === void 0) { env = process.env; }
        return __generator(this, function (_b) {
            switch (_b.label) {
                case 0:
                    started = [];
                    return [4 /*yield*/, (0, postgres_ts_1.startPostgres)(env)];
                case 1:
                    postgres = _b.sent();
                    if (postgres.started)
                        started.push("postgres");
                    return [4 /*yield*/, Promise.all([
                            env.KAFKA_BROKERS
                                ? Promise.resolve(env.KAFKA_BROKERS)
                                : (0, kafka_ts_1.startKafka)((0, kafka_ts_1.kafkaSettings)(env)).then(function (kafka) {
                                    if (kafka.started)
                                        started.push("kafka");
                                    return kafka.brokers;
                                }),
                            env.SCHEMA_REGISTRY_URL
                                ? Promise.resolve(env.SCHEMA_REGISTRY_URL)
                                : (0, registry_ts_1.startRegistry)(postgres.endpoint, (0, registry_ts_1.registrySettings)(env)).then(function (registry) {
                                    if (registry.started)
                                        started.push("registry");
                                    return registry.url;
                                }),
                        ])];
                case 2:
                    _a = _b.sent(), kafkaBrokers = _a[0], schemaRegistryUrl = _a[1];
                    endpoints = {
                        kafkaBrokers: kafkaBrokers,
                        schemaRegistryUrl: schemaRegistryUrl,
                        databaseUrl: postgres.endpoint.url,
                        postgres: postgres.endpoint.kind,
                        kafkaVersion: (0, kafka_ts_1.kafkaVersion)(),
                        stateDir: (0, paths_ts_1.stateDir)(),
                    };
                    (0, node_fs_1.writeFileSync)(stackFile(), "".concat(JSON.stringify(endpoints, null, 2), "\n"));
                    return [2 /*return*/, { endpoints: endpoints, started: started }];
            }
        });
    });
}
function readStackFile() {
    var file = stackFile();
    return (0, node_fs_1.existsSync)(file) ? JSON.parse((0, node_fs_1.readFileSync)(file, "utf8")) : undefined;
}
/** Stops the given components (all the stack's own by default), registry first since it writes to Postgres. */
function down() {
    return __awaiter(this, arguments, void 0, function (components) {
        var stopped, _a, _b, _c;
        if (components === void 0) { components = ["registry", "kafka", "postgres"]; }
        return __generator(this, function (_d) {
            switch (_d.label) {
                case 0:
                    stopped = [];
                    _a = components.includes("registry");
                    if (!_a) return [3 /*break*/, 2];
                    return [4 /*yield*/, (0, registry_ts_1.stopRegistry)()];
                case 1:
                    _a = (_d.sent());
                    _d.label = 2;
                case 2:
                    if (_a)
                        stopped.push("registry");
                    _b = components.includes("kafka");
                    if (!_b) return [3 /*break*/, 4];
                    return [4 /*yield*/, (0, kafka_ts_1.stopKafka)()];
                case 3:
                    _b = (_d.sent());
                    _d.label = 4;
                case 4:
                    if (_b)
                        stopped.push("kafka");
                    _c = components.includes("postgres");
                    if (!_c) return [3 /*break*/, 6];
                    return [4 /*yield*/, (0, postgres_ts_1.stopEmbeddedPostgres)()];
                case 5:
                    _c = (_d.sent());
                    _d.label = 6;
                case 6:
                    if (_c)
                        stopped.push("postgres");
                    return [2 /*return*/, stopped];
            }
        });
    });
}
function status() {
    return __awaiter(this, arguments, void 0, function (env) {
        var brokers, registry, _a;
        var _b, _c;
        var _d, _e, _f, _g;
        if (env === void 0) { env = process.env; }
        return __generator(this, function (_h) {
            switch (_h.label) {
                case 0:
                    brokers = (_d = env.KAFKA_BROKERS) !== null && _d !== void 0 ? _d : "127.0.0.1:".concat((0, kafka_ts_1.kafkaSettings)(env).port);
                    registry = (_e = env.SCHEMA_REGISTRY_URL) !== null && _e !== void 0 ? _e : (0, registry_ts_1.registryUrl)((0, registry_ts_1.registrySettings)(env).port);
                    _b = { name: "kafka", pid: (0, kafka_ts_1.kafkaPid)() };
                    return [4 /*yield*/, (0, kafka_ts_1.kafkaReady)(brokers)];
                case 1:
                    _a = [
                        (_b.ready = _h.sent(), _b.endpoint = brokers, _b.log = (0, paths_ts_1.logFile)("kafka"), _b)
                    ];
                    _c = { name: "registry", pid: (0, registry_ts_1.registryPid)() };
                    return [4 /*yield*/, (0, registry_ts_1.registryReady)(registry)];
                case 2: return [2 /*return*/, _a.concat([
                        (_c.ready = _h.sent(), _c.endpoint = registry, _c.log = (0, paths_ts_1.logFile)("registry"), _c),
                        { name: "postgres (embedded)", pid: (0, postgres_ts_1.embeddedPostgresPid)(), ready: (0, postgres_ts_1.embeddedPostgresPid)() !== undefined, endpoint: (_g = (_f = readStackFile()) === null || _f === void 0 ? void 0 : _f.databaseUrl) !== null && _g !== void 0 ? _g : "-", log: (0, paths_ts_1.logFile)("postgres") }
                    ])];
            }
        });
    });
}
