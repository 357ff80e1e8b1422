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
exports.runMavenFetch = runMavenFetch;
var node_child_process_1 = require("node:child_process");
var node_fs_1 = require("node:fs");
var node_path_1 = require("node:path");
var errors_ts_1 = require("./errors.ts");
var paths_ts_1 = require("./paths.ts");
var progress_ts_1 = require("./progress.ts");
/**
 * Runs `mvn package` on one of infra's fetch-only poms. Maven's output goes to a log file;
 * a line is printed every 15 s so a first download of several hundred MB shows it is alive.
 */
function runMavenFetch(pomFolder, properties) {
    return __awaiter(this, void 0, void 0, function () {
        var log, output, args, _i, _a, _b, name_1, value, child, started, ticker, exitCode, error_1;
        return __generator(this, function (_c) {
            switch (_c.label) {
                case 0:
                    log = (0, paths_ts_1.logFile)("maven-".concat(pomFolder));
                    output = (0, node_fs_1.openSync)(log, "a");
                    args = ["-B", "--no-transfer-progress", "-f", (0, node_path_1.join)(paths_ts_1.infraDir, pomFolder, "pom.xml"), "package"];
                    for (_i = 0, _a = Object.entries(properties); _i < _a.length; _i++) {
                        _b = _a[_i], name_1 = _b[0], value = _b[1];
                        args.push("-D".concat(name_1, "=").concat(value));
                    }
                    child = (0, node_child_process_1.spawn)("mvn", args, { stdio: ["ignore", output, output] });
                    started = Date.now();
                    ticker = setInterval(function () { return (0, progress_ts_1.step)("  still fetching ".concat(pomFolder, " from Maven Central (").concat(Math.round((Date.now() - started) / 1000), " s, log: ").concat(log, ")")); }, 15000);
                    _c.label = 1;
                case 1:
                    _c.trys.push([1, 3, 4, 5]);
                    return [4 /*yield*/, new Promise(function (resolve, reject) {
                            child.once("error", reject);
                            child.once("close", resolve);
                        })];
                case 2:
                    exitCode = _c.sent();
                    if (exitCode !== 0) {
                        throw new errors_ts_1.InfraError("MAVEN_FAILED", "Maven could not fetch ".concat(pomFolder, " (exit ").concat(exitCode, ")."), "Check that Maven Central is reachable and read ".concat(log, "."), log);
                    }
                    return [3 /*break*/, 5];
                case 3:
                    error_1 = _c.sent();
                    if (error_1.code === "ENOENT") {
                        throw new errors_ts_1.InfraError("MAVEN_MISSING", "Maven (mvn) is not on PATH.", "Install Apache Maven 3.8+ (Debian: apt-get install maven).");
                    }
                    throw error_1;
                case 4:
                    clearInterval(ticker);
                    (0, node_fs_1.closeSync)(output);
                    return [7 /*endfinally*/];
                case 5: return [2 /*return*/];
            }
        });
    });
}
