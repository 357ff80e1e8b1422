"use strict";
var __spreadArray = (this && this.__spreadArray) || function (to, from, pack) {
    if (pack || arguments.length === 2) for (var i = 0, l = from.length, ar; i < l; i++) {
        if (ar || !(i in from)) {
            if (!ar) ar = Array.prototype.slice.call(from, 0, i);
            ar[i] = from[i];
        }
    }
    return to.concat(ar || Array.prototype.slice.call(from));
};
Object.defineProperty(exports, "__esModule", { value: true });
exports.infraDir = exports.repoRoot = void 0;
exports.stateDir = stateDir;
exports.statePath = statePath;
exports.stateFolder = stateFolder;
exports.logFile = logFile;
var node_fs_1 = require("node:fs");
var node_path_1 = require("node:path");
var node_url_1 = require("node:url");
exports.repoRoot = (0, node_path_1.resolve)((0, node_path_1.dirname)((0, node_url_1.fileURLToPath)(import.meta.url)), "..", "..");
exports.infraDir = (0, node_path_1.join)(exports.repoRoot, "infra");
/** Everything the stack keeps between runs: downloads, Kafka's log dirs, registry install, logs, pid files. */
function stateDir() {
    var _a;
    return (0, node_path_1.resolve)((_a = process.env.HOOKLOG_STATE_DIR) !== null && _a !== void 0 ? _a : (0, node_path_1.join)(exports.repoRoot, ".hooklog"));
}
function statePath() {
    var parts = [];
    for (var _i = 0; _i < arguments.length; _i++) {
        parts[_i] = arguments[_i];
    }
    var path = node_path_1.join.apply(void 0, __spreadArray([stateDir()], parts, false));
    (0, node_fs_1.mkdirSync)((0, node_path_1.dirname)(path), { recursive: true });
    return path;
}
/** A folder under the state directory, created if missing. */
function stateFolder() {
    var parts = [];
    for (var _i = 0; _i < arguments.length; _i++) {
        parts[_i] = arguments[_i];
    }
    var path = node_path_1.join.apply(void 0, __spreadArray([stateDir()], parts, false));
    (0, node_fs_1.mkdirSync)(path, { recursive: true });
    return path;
}
function logFile(component) {
    return statePath("logs", "".concat(component, ".log"));
}
