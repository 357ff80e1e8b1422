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
exports.findJava = findJava;
exports.requireJava = requireJava;
var node_child_process_1 = require("node:child_process");
var node_fs_1 = require("node:fs");
var node_path_1 = require("node:path");
var errors_ts_1 = require("./errors.ts");
function probe(executable) {
    var result = (0, node_child_process_1.spawnSync)(executable, ["-XshowSettings:properties", "-version"], { encoding: "utf8" });
    if (result.error || result.status !== 0)
        return undefined;
    var match = /java\.specification\.version = (\d+)/.exec(result.stderr);
    return (match === null || match === void 0 ? void 0 : match[1]) ? { executable: executable, major: Number(match[1]) } : undefined;
}
function candidates(preferredHomes) {
    var homes = preferredHomes.filter(function (home) { return Boolean(home); });
    var jvmRoot = "/usr/lib/jvm";
    var installed = (0, node_fs_1.existsSync)(jvmRoot) ? (0, node_fs_1.readdirSync)(jvmRoot).map(function (name) { return (0, node_path_1.join)(jvmRoot, name); }) : [];
    var executables = __spreadArray(__spreadArray([], homes, true), installed, true).map(function (home) { return (0, node_path_1.join)(home, "bin", "java"); });
    return __spreadArray([], new Set(__spreadArray(__spreadArray([], executables.filter(function (path) { return (0, node_fs_1.existsSync)(path); }), true), ["java"], false)), true);
}
/** The first Java at least `minimumMajor`, looking at the given homes, JAVA_HOME, /usr/lib/jvm, then PATH. */
function findJava(minimumMajor, preferredHomes) {
    if (preferredHomes === void 0) { preferredHomes = []; }
    for (var _i = 0, _a = candidates(__spreadArray(__spreadArray([], preferredHomes, true), [process.env.JAVA_HOME], false)); _i < _a.length; _i++) {
        var executable = _a[_i];
        var runtime = probe(executable);
        if (runtime && runtime.major >= minimumMajor)
            return runtime;
    }
    return undefined;
}
function requireJava(minimumMajor, forWhat) {
    var runtime = findJava(minimumMajor);
    if (!runtime) {
        throw new errors_ts_1.InfraError("JAVA_MISSING", "".concat(forWhat, " needs Java ").concat(minimumMajor, " or newer, and none was found (JAVA_HOME, /usr/lib/jvm, PATH)."), "Install a JDK ".concat(minimumMajor, "+ (Debian: apt-get install openjdk-17-jre-headless) or set JAVA_HOME."));
    }
    return runtime;
}
