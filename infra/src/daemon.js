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
exports.runningPid = runningPid;
exports.startDaemon = startDaemon;
exports.stopDaemon = stopDaemon;
exports.sleep = sleep;
exports.portInUse = portInUse;
exports.tailOf = tailOf;
exports.awaitReady = awaitReady;
exports.ensurePortFree = ensurePortFree;
var node_child_process_1 = require("node:child_process");
var node_fs_1 = require("node:fs");
var node_net_1 = require("node:net");
var errors_ts_1 = require("./errors.ts");
var paths_ts_1 = require("./paths.ts");
function pidFile(name) {
    return (0, paths_ts_1.statePath)("run", "".concat(name, ".pid"));
}
function commandLine(pid) {
    try {
        return (0, node_fs_1.readFileSync)("/proc/".concat(pid, "/cmdline"), "utf8").replaceAll("\0", " ");
    }
    catch (_a) {
        // No /proc entry: the process is gone (or this is not Linux, where we fall back to kill 0).
        try {
            process.kill(pid, 0);
            return "";
        }
        catch (_b) {
            return undefined;
        }
    }
}
function runningPid(name, marker) {
    var file = pidFile(name);
    if (!(0, node_fs_1.existsSync)(file))
        return undefined;
    var pid = Number((0, node_fs_1.readFileSync)(file, "utf8").trim());
    if (!Number.isInteger(pid) || pid <= 0)
        return undefined;
    var cmdline = commandLine(pid);
    if (cmdline === undefined || (cmdline !== "" && !cmdline.includes(marker))) {
        (0, node_fs_1.rmSync)(file, { force: true });
        return undefined;
    }
    return pid;
}
function startDaemon(spec) {
    var _a;
    var log = (0, node_fs_1.openSync)(spec.logFile, "a");
    try {
        var child = (0, node_child_process_1.spawn)(spec.command, spec.args, {
            cwd: spec.cwd,
            env: (_a = spec.env) !== null && _a !== void 0 ? _a : process.env,
            detached: true,
            stdio: ["ignore", log, log],
        });
        if (child.pid === undefined) {
            throw new errors_ts_1.InfraError("SPAWN_FAILED", "Could not start ".concat(spec.name, " (").concat(spec.command, ")."), "Read ".concat(spec.logFile, "."), spec.logFile);
        }
        child.unref();
        (0, node_fs_1.writeFileSync)(pidFile(spec.name), "".concat(child.pid, "\n"));
        return child.pid;
    }
    finally {
        (0, node_fs_1.closeSync)(log);
    }
}
function alive(pid) {
    try {
        process.kill(pid, 0);
        return true;
    }
    catch (_a) {
        return false;
    }
}
/** SIGTERM, then SIGKILL after `graceMs`: a broker gets time for a controlled shutdown but never hangs a stop. */
function stopDaemon(name_1, marker_1) {
    return __awaiter(this, arguments, void 0, function (name, marker, graceMs) {
        var pid, deadline;
        if (graceMs === void 0) { graceMs = 30000; }
        return __generator(this, function (_a) {
            switch (_a.label) {
                case 0:
                    pid = runningPid(name, marker);
                    if (pid === undefined)
                        return [2 /*return*/, false];
                    process.kill(pid, "SIGTERM");
                    deadline = Date.now() + graceMs;
                    _a.label = 1;
                case 1:
                    if (!(alive(pid) && Date.now() < deadline)) return [3 /*break*/, 3];
                    return [4 /*yield*/, sleep(100)];
                case 2:
                    _a.sent();
                    return [3 /*break*/, 1];
                case 3:
                    if (alive(pid))
                        process.kill(pid, "SIGKILL");
                    _a.label = 4;
                case 4:
                    if (!alive(pid)) return [3 /*break*/, 6];
                    return [4 /*yield*/, sleep(50)];
                case 5:
                    _a.sent();
                    return [3 /*break*/, 4];
                case 6:
                    (0, node_fs_1.rmSync)(pidFile(name), { force: true });
                    return [2 /*return*/, true];
            }
        });
    });
}
function sleep(ms) {
    return new Promise(function (resolve) { return setTimeout(resolve, ms); });
}
function portInUse(port, host) {
    if (host === void 0) { host = "127.0.0.1"; }
    return new Promise(function (resolve) {
        var socket = (0, node_net_1.connect)({ port: port, host: host });
        socket.once("connect", function () {
            socket.destroy();
            resolve(true);
        });
        socket.once("error", function () { return resolve(false); });
    });
}
function tailOf(file, lines) {
    if (lines === void 0) { lines = 15; }
    try {
        return (0, node_fs_1.readFileSync)(file, "utf8").trimEnd().split("\n").slice(-lines).join("\n");
    }
    catch (_a) {
        return "";
    }
}
/**
 * Polls `ready` until it holds, the daemon dies, or `timeoutMs` passes; the last two are errors
 * that name the log file and quote its tail.
 */
function awaitReady(spec, ready, timeoutMs) {
    return __awaiter(this, void 0, void 0, function () {
        var deadline;
        return __generator(this, function (_a) {
            switch (_a.label) {
                case 0:
                    deadline = Date.now() + timeoutMs;
                    _a.label = 1;
                case 1:
                    if (!(Date.now() < deadline)) return [3 /*break*/, 4];
                    return [4 /*yield*/, ready()];
                case 2:
                    if (_a.sent())
                        return [2 /*return*/];
                    if (runningPid(spec.name, spec.marker) === undefined) {
                        throw new errors_ts_1.InfraError("".concat(spec.name.toUpperCase(), "_EXITED"), "".concat(spec.name, " exited while starting. Last lines of ").concat(spec.logFile, ":\n").concat(tailOf(spec.logFile)), "Read ".concat(spec.logFile, "."), spec.logFile);
                    }
                    return [4 /*yield*/, sleep(250)];
                case 3:
                    _a.sent();
                    return [3 /*break*/, 1];
                case 4: throw new errors_ts_1.InfraError("".concat(spec.name.toUpperCase(), "_NOT_READY"), "".concat(spec.name, " did not become ready in ").concat(Math.round(timeoutMs / 1000), " s."), "Read ".concat(spec.logFile, "; the machine may be overloaded (npm run infra:status shows what runs)."), spec.logFile);
            }
        });
    });
}
function ensurePortFree(port, name, envVar) {
    return __awaiter(this, void 0, void 0, function () {
        return __generator(this, function (_a) {
            switch (_a.label) {
                case 0: return [4 /*yield*/, portInUse(port)];
                case 1:
                    if (_a.sent()) {
                        throw new errors_ts_1.InfraError("PORT_TAKEN", "Port ".concat(port, " is taken by another process, so ").concat(name, " cannot start there."), "Stop that process (ss -ltnp 'sport = :".concat(port, "' shows it) or set ").concat(envVar, " to another port."));
                    }
                    return [2 /*return*/];
            }
        });
    });
}
