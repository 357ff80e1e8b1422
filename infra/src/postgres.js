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
exports.REGISTRY_DATABASE = exports.APP_DATABASE = void 0;
exports.startPostgres = startPostgres;
exports.embeddedPostgresPid = embeddedPostgresPid;
exports.stopEmbeddedPostgres = stopEmbeddedPostgres;
var node_fs_1 = require("node:fs");
var node_path_1 = require("node:path");
var pg_1 = require("pg");
var daemon_ts_1 = require("./daemon.ts");
var errors_ts_1 = require("./errors.ts");
var paths_ts_1 = require("./paths.ts");
var progress_ts_1 = require("./progress.ts");
exports.APP_DATABASE = "hooklog";
exports.REGISTRY_DATABASE = "hooklog_registry";
var EMBEDDED_NAME = "postgres";
var EMBEDDED_MARKER = "embedded-postgres-daemon";
function endpointFromUrl(kind, url) {
    var parsed = new URL(url);
    if (!parsed.protocol.startsWith("postgres")) {
        throw new errors_ts_1.InfraError("DATABASE_URL_INVALID", "DATABASE_URL must be a postgres:// URL (got protocol ".concat(parsed.protocol, ")."), "Set DATABASE_URL=postgres://user:password@host:5432/hooklog.");
    }
    return {
        kind: kind,
        host: parsed.hostname,
        port: Number(parsed.port || 5432),
        user: decodeURIComponent(parsed.username || "postgres"),
        password: decodeURIComponent(parsed.password),
        database: parsed.pathname.replace(/^\//, "") || exports.APP_DATABASE,
        registryDatabase: exports.REGISTRY_DATABASE,
        url: url,
    };
}
function answers(url) {
    return __awaiter(this, void 0, void 0, function () {
        var client, _a;
        return __generator(this, function (_b) {
            switch (_b.label) {
                case 0:
                    client = new pg_1.default.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
                    _b.label = 1;
                case 1:
                    _b.trys.push([1, 4, 5, 7]);
                    return [4 /*yield*/, client.connect()];
                case 2:
                    _b.sent();
                    return [4 /*yield*/, client.query("select 1")];
                case 3:
                    _b.sent();
                    return [2 /*return*/, true];
                case 4:
                    _a = _b.sent();
                    return [2 /*return*/, false];
                case 5: return [4 /*yield*/, client.end().catch(function () { return undefined; })];
                case 6:
                    _b.sent();
                    return [7 /*endfinally*/];
                case 7: return [2 /*return*/];
            }
        });
    });
}
function withDatabase(endpoint, database) {
    var url = new URL(endpoint.url);
    url.pathname = "/".concat(database);
    return url.toString();
}
/** Creates the application and registry databases where missing; the server must already answer. */
function ensureDatabases(endpoint) {
    return __awaiter(this, void 0, void 0, function () {
        var client, _i, _a, name_1, found, error_1;
        return __generator(this, function (_b) {
            switch (_b.label) {
                case 0:
                    client = new pg_1.default.Client({ connectionString: withDatabase(endpoint, "postgres"), connectionTimeoutMillis: 5000 });
                    _b.label = 1;
                case 1:
                    _b.trys.push([1, 8, 9, 11]);
                    return [4 /*yield*/, client.connect()];
                case 2:
                    _b.sent();
                    _i = 0, _a = [endpoint.database, endpoint.registryDatabase];
                    _b.label = 3;
                case 3:
                    if (!(_i < _a.length)) return [3 /*break*/, 7];
                    name_1 = _a[_i];
                    return [4 /*yield*/, client.query("select 1 from pg_database where datname = $1", [name_1])];
                case 4:
                    found = _b.sent();
                    if (!(found.rowCount === 0)) return [3 /*break*/, 6];
                    return [4 /*yield*/, client.query("create database ".concat(pg_1.default.escapeIdentifier(name_1)))];
                case 5:
                    _b.sent();
                    _b.label = 6;
                case 6:
                    _i++;
                    return [3 /*break*/, 3];
                case 7: return [3 /*break*/, 11];
                case 8:
                    error_1 = _b.sent();
                    throw new errors_ts_1.InfraError("POSTGRES_UNUSABLE", "PostgreSQL at ".concat(endpoint.host, ":").concat(endpoint.port, " refused to create the databases ").concat(endpoint.database, " and ").concat(endpoint.registryDatabase, ": ").concat(error_1.message), "Create them yourself, or give the DATABASE_URL user the CREATEDB right.");
                case 9: return [4 /*yield*/, client.end().catch(function () { return undefined; })];
                case 10:
                    _b.sent();
                    return [7 /*endfinally*/];
                case 11: return [2 /*return*/];
            }
        });
    });
}
function embeddedEndpoint(env) {
    var _a;
    var port = Number((_a = env.HOOKLOG_EMBEDDED_POSTGRES_PORT) !== null && _a !== void 0 ? _a : 5433);
    return endpointFromUrl("embedded", "postgres://postgres:postgres@127.0.0.1:".concat(port, "/").concat(exports.APP_DATABASE));
}
function startEmbedded(endpoint) {
    return __awaiter(this, void 0, void 0, function () {
        var dataDir, spec, firstStart;
        var _this = this;
        return __generator(this, function (_a) {
            switch (_a.label) {
                case 0:
                    if ((0, daemon_ts_1.runningPid)(EMBEDDED_NAME, EMBEDDED_MARKER) !== undefined)
                        return [2 /*return*/, false];
                    return [4 /*yield*/, (0, daemon_ts_1.ensurePortFree)(endpoint.port, "the embedded PostgreSQL", "HOOKLOG_EMBEDDED_POSTGRES_PORT")];
                case 1:
                    _a.sent();
                    dataDir = (0, node_path_1.join)((0, paths_ts_1.stateFolder)("postgres"), "data");
                    spec = {
                        name: EMBEDDED_NAME,
                        marker: EMBEDDED_MARKER,
                        command: process.execPath,
                        args: [(0, node_path_1.join)(import.meta.dirname, "".concat(EMBEDDED_MARKER, ".ts")), dataDir, String(endpoint.port)],
                        logFile: (0, paths_ts_1.logFile)(EMBEDDED_NAME),
                    };
                    firstStart = !(0, node_fs_1.existsSync)((0, node_path_1.join)(dataDir, "PG_VERSION"));
                    return [4 /*yield*/, (0, progress_ts_1.timed)("starting the embedded PostgreSQL on 127.0.0.1:".concat(endpoint.port).concat(firstStart ? " (first start: initdb)" : ""), function () { return __awaiter(_this, void 0, void 0, function () {
                            return __generator(this, function (_a) {
                                switch (_a.label) {
                                    case 0:
                                        (0, daemon_ts_1.startDaemon)(spec);
                                        return [4 /*yield*/, (0, daemon_ts_1.awaitReady)(spec, function () { return answers(withDatabase(endpoint, "postgres")); }, 120000)];
                                    case 1:
                                        _a.sent();
                                        return [2 /*return*/];
                                }
                            });
                        }); })];
                case 2:
                    _a.sent();
                    return [2 /*return*/, true];
            }
        });
    });
}
/**
 * DATABASE_URL when set; otherwise a PostgreSQL on 127.0.0.1:5432 (trust auth, user postgres) if one
 * answers; otherwise an embedded PostgreSQL from npm, kept in the state directory.
 */
function startPostgres() {
    return __awaiter(this, arguments, void 0, function (env) {
        var endpoint, started, _a, local, _b;
        if (env === void 0) { env = process.env; }
        return __generator(this, function (_c) {
            switch (_c.label) {
                case 0:
                    started = false;
                    if (!env.DATABASE_URL) return [3 /*break*/, 4];
                    endpoint = endpointFromUrl("external", env.DATABASE_URL);
                    return [4 /*yield*/, answers(withDatabase(endpoint, "postgres"))];
                case 1:
                    _a = !(_c.sent());
                    if (!_a) return [3 /*break*/, 3];
                    return [4 /*yield*/, answers(endpoint.url)];
                case 2:
                    _a = !(_c.sent());
                    _c.label = 3;
                case 3:
                    if (_a) {
                        throw new errors_ts_1.InfraError("POSTGRES_UNREACHABLE", "DATABASE_URL (".concat(endpoint.host, ":").concat(endpoint.port, ") does not answer."), "Start that PostgreSQL or unset DATABASE_URL to use a local or embedded one.");
                    }
                    return [3 /*break*/, 9];
                case 4:
                    local = endpointFromUrl("local", "postgres://postgres@127.0.0.1:5432/".concat(exports.APP_DATABASE));
                    _b = !env.HOOKLOG_EMBEDDED_POSTGRES;
                    if (!_b) return [3 /*break*/, 6];
                    return [4 /*yield*/, answers(withDatabase(local, "postgres"))];
                case 5:
                    _b = (_c.sent());
                    _c.label = 6;
                case 6:
                    if (!_b) return [3 /*break*/, 7];
                    endpoint = local;
                    return [3 /*break*/, 9];
                case 7:
                    endpoint = embeddedEndpoint(env);
                    return [4 /*yield*/, startEmbedded(endpoint)];
                case 8:
                    started = _c.sent();
                    _c.label = 9;
                case 9: return [4 /*yield*/, ensureDatabases(endpoint)];
                case 10:
                    _c.sent();
                    return [2 /*return*/, { endpoint: endpoint, started: started }];
            }
        });
    });
}
function embeddedPostgresPid() {
    return (0, daemon_ts_1.runningPid)(EMBEDDED_NAME, EMBEDDED_MARKER);
}
function stopEmbeddedPostgres() {
    return (0, daemon_ts_1.stopDaemon)(EMBEDDED_NAME, EMBEDDED_MARKER);
}
