"use strict";
var __assign = (this && this.__assign) || function () {
    __assign = Object.assign || function(t) {
        for (var s, i = 1, n = arguments.length; i < n; i++) {
            s = arguments[i];
            for (var p in s) if (Object.prototype.hasOwnProperty.call(s, p))
                t[p] = s[p];
        }
        return t;
    };
    return __assign.apply(this, arguments);
};
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
exports.registryUrl = exports.JAVA17_REGISTRY_VERSION = void 0;
exports.registrySettings = registrySettings;
exports.chooseRegistryRuntime = chooseRegistryRuntime;
exports.registryReady = registryReady;
exports.registryPid = registryPid;
exports.startRegistry = startRegistry;
exports.stopRegistry = stopRegistry;
var node_fs_1 = require("node:fs");
var node_path_1 = require("node:path");
var daemon_ts_1 = require("./daemon.ts");
var errors_ts_1 = require("./errors.ts");
var java_ts_1 = require("./java.ts");
var maven_ts_1 = require("./maven.ts");
var paths_ts_1 = require("./paths.ts");
var pom_properties_ts_1 = require("./pom-properties.ts");
var progress_ts_1 = require("./progress.ts");
var NAME = "registry";
var MARKER = "-Dhooklog.component=registry";
/**
 * Apicurio 3.3.x is compiled for Java 21 (class file 65). On a machine with only Java 17 we run
 * 3.0.9, the newest 3.x release on Maven Central built for Java 17 (3.1.x and 3.2.x publish no app).
 */
exports.JAVA17_REGISTRY_VERSION = "3.0.9";
function registrySettings(env) {
    var _a, _b;
    if (env === void 0) { env = process.env; }
    return { port: Number((_a = env.HOOKLOG_REGISTRY_PORT) !== null && _a !== void 0 ? _a : 8081), heap: (_b = env.HOOKLOG_REGISTRY_HEAP) !== null && _b !== void 0 ? _b : "384m", javaHome: env.HOOKLOG_REGISTRY_JAVA_HOME };
}
var registryUrl = function (port) { return "http://127.0.0.1:".concat(port, "/apis/ccompat/v7"); };
exports.registryUrl = registryUrl;
function chooseRegistryRuntime(settings) {
    var preferred = (0, pom_properties_ts_1.pomProperty)("registry", "apicurio.version");
    var java21 = (0, java_ts_1.findJava)(21, [settings.javaHome]);
    if (java21)
        return { version: preferred, java: java21 };
    var java17 = (0, java_ts_1.findJava)(17, [settings.javaHome]);
    if (java17) {
        (0, progress_ts_1.step)("no Java 21+ found: Apicurio Registry ".concat(preferred, " needs it, so ").concat(exports.JAVA17_REGISTRY_VERSION, " runs on Java ").concat(java17.major));
        return { version: exports.JAVA17_REGISTRY_VERSION, java: java17 };
    }
    throw new errors_ts_1.InfraError("JAVA_MISSING", "Apicurio Registry needs Java 17 or newer (21+ for the default version), and none was found.", "Install a JDK 21 (or 17) or set HOOKLOG_REGISTRY_JAVA_HOME.");
}
/** Quarkus distributions launch through quarkus-run.jar (3.3.x) or a *-runner.jar (3.0.x). */
function findLauncher(folder, depth) {
    if (depth === void 0) { depth = 0; }
    for (var _i = 0, _a = (0, node_fs_1.readdirSync)(folder); _i < _a.length; _i++) {
        var name_1 = _a[_i];
        var path = (0, node_path_1.join)(folder, name_1);
        if (name_1 === "quarkus-run.jar" || name_1.endsWith("-runner.jar"))
            return path;
        if (depth < 2 && (0, node_fs_1.statSync)(path).isDirectory()) {
            var found = findLauncher(path, depth + 1);
            if (found)
                return found;
        }
    }
    return undefined;
}
function install(version) {
    return __awaiter(this, void 0, void 0, function () {
        var folder, complete, launcher;
        return __generator(this, function (_a) {
            switch (_a.label) {
                case 0:
                    folder = (0, paths_ts_1.stateFolder)("registry", "dist", version);
                    complete = (0, node_path_1.join)(folder, ".complete");
                    if (!!(0, node_fs_1.existsSync)(complete)) return [3 /*break*/, 2];
                    return [4 /*yield*/, (0, progress_ts_1.timed)("fetching Apicurio Registry ".concat(version, " from Maven Central"), function () {
                            return (0, maven_ts_1.runMavenFetch)("registry", { "apicurio.version": version, "output.dir": folder });
                        })];
                case 1:
                    _a.sent();
                    (0, node_fs_1.writeFileSync)(complete, new Date().toISOString());
                    _a.label = 2;
                case 2:
                    launcher = findLauncher(folder);
                    if (!launcher) {
                        throw new errors_ts_1.InfraError("REGISTRY_INSTALL_INCOMPLETE", "No quarkus-run.jar or *-runner.jar under ".concat(folder, "."), "Delete ".concat(folder, " and run again."));
                    }
                    return [2 /*return*/, launcher];
            }
        });
    });
}
function registryReady(url) {
    return __awaiter(this, void 0, void 0, function () {
        var response, _a;
        return __generator(this, function (_b) {
            switch (_b.label) {
                case 0:
                    _b.trys.push([0, 2, , 3]);
                    return [4 /*yield*/, fetch("".concat(url, "/subjects"), { signal: AbortSignal.timeout(2000) })];
                case 1:
                    response = _b.sent();
                    return [2 /*return*/, response.ok];
                case 2:
                    _a = _b.sent();
                    return [2 /*return*/, false];
                case 3: return [2 /*return*/];
            }
        });
    });
}
function registryPid() {
    return (0, daemon_ts_1.runningPid)(NAME, MARKER);
}
/**
 * Starts Apicurio with PostgreSQL storage (database `hooklog_registry`), so schema ids handed out
 * before a restart still decode after it; clients speak only its Confluent-compatible API.
 */
function startRegistry(database_1) {
    return __awaiter(this, arguments, void 0, function (database, settings) {
        var url, runtime, launcher, spec;
        var _this = this;
        if (settings === void 0) { settings = registrySettings(); }
        return __generator(this, function (_a) {
            switch (_a.label) {
                case 0:
                    url = (0, exports.registryUrl)(settings.port);
                    if (registryPid() !== undefined)
                        return [2 /*return*/, { url: url, started: false, version: undefined }];
                    return [4 /*yield*/, (0, daemon_ts_1.ensurePortFree)(settings.port, "Apicurio Registry", "HOOKLOG_REGISTRY_PORT")];
                case 1:
                    _a.sent();
                    runtime = chooseRegistryRuntime(settings);
                    return [4 /*yield*/, install(runtime.version)];
                case 2:
                    launcher = _a.sent();
                    spec = {
                        name: NAME,
                        marker: MARKER,
                        command: runtime.java.executable,
                        args: [MARKER, "-Xms64m", "-Xmx".concat(settings.heap), "-XX:+UseSerialGC", "-Djava.awt.headless=true", "-jar", launcher],
                        env: __assign(__assign({}, process.env), { QUARKUS_HTTP_HOST: "127.0.0.1", QUARKUS_HTTP_PORT: String(settings.port), APICURIO_STORAGE_KIND: "sql", APICURIO_STORAGE_SQL_KIND: "postgresql", APICURIO_DATASOURCE_URL: "jdbc:postgresql://".concat(database.host, ":").concat(database.port, "/").concat(database.registryDatabase), APICURIO_DATASOURCE_USERNAME: database.user, APICURIO_DATASOURCE_PASSWORD: database.password || "unused-with-trust-auth" }),
                        logFile: (0, paths_ts_1.logFile)(NAME),
                    };
                    return [4 /*yield*/, (0, progress_ts_1.timed)("starting Apicurio Registry ".concat(runtime.version, " (Java ").concat(runtime.java.major, ") on ").concat(url), function () { return __awaiter(_this, void 0, void 0, function () {
                            return __generator(this, function (_a) {
                                switch (_a.label) {
                                    case 0:
                                        (0, daemon_ts_1.startDaemon)(spec);
                                        return [4 /*yield*/, (0, daemon_ts_1.awaitReady)(spec, function () { return registryReady(url); }, 120000)];
                                    case 1:
                                        _a.sent();
                                        return [2 /*return*/];
                                }
                            });
                        }); })];
                case 3:
                    _a.sent();
                    return [2 /*return*/, { url: url, started: true, version: runtime.version }];
            }
        });
    });
}
function stopRegistry() {
    return (0, daemon_ts_1.stopDaemon)(NAME, MARKER, 20000);
}
