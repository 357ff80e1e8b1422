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
exports.kafkaVersion = void 0;
exports.kafkaSettings = kafkaSettings;
exports.kafkaReady = kafkaReady;
exports.kafkaPid = kafkaPid;
exports.startKafka = startKafka;
exports.stopKafka = stopKafka;
var node_crypto_1 = require("node:crypto");
var node_fs_1 = require("node:fs");
var node_path_1 = require("node:path");
var kafkajs_1 = require("kafkajs");
var daemon_ts_1 = require("./daemon.ts");
var errors_ts_1 = require("./errors.ts");
var java_ts_1 = require("./java.ts");
var maven_ts_1 = require("./maven.ts");
var paths_ts_1 = require("./paths.ts");
var pom_properties_ts_1 = require("./pom-properties.ts");
var progress_ts_1 = require("./progress.ts");
var NAME = "kafka";
var MARKER = "-Dhooklog.component=kafka";
function kafkaSettings(env) {
    var _a, _b, _c;
    if (env === void 0) { env = process.env; }
    var port = Number((_a = env.HOOKLOG_KAFKA_PORT) !== null && _a !== void 0 ? _a : 9092);
    return { port: port, controllerPort: Number((_b = env.HOOKLOG_KAFKA_CONTROLLER_PORT) !== null && _b !== void 0 ? _b : port + 1), heap: (_c = env.HOOKLOG_KAFKA_HEAP) !== null && _c !== void 0 ? _c : "512m" };
}
var kafkaVersion = function () { return (0, pom_properties_ts_1.pomProperty)("kafka", "kafka.version"); };
exports.kafkaVersion = kafkaVersion;
function libsDir() {
    return (0, paths_ts_1.stateFolder)("kafka", "dist", (0, exports.kafkaVersion)(), "libs");
}
function install() {
    return __awaiter(this, void 0, void 0, function () {
        var libs, complete;
        return __generator(this, function (_a) {
            switch (_a.label) {
                case 0:
                    libs = libsDir();
                    complete = (0, node_path_1.join)(libs, ".complete");
                    if ((0, node_fs_1.existsSync)(complete))
                        return [2 /*return*/, libs];
                    return [4 /*yield*/, (0, progress_ts_1.timed)("fetching Apache Kafka ".concat((0, exports.kafkaVersion)(), " from Maven Central"), function () { return (0, maven_ts_1.runMavenFetch)("kafka", { "output.dir": libs }); })];
                case 1:
                    _a.sent();
                    if (!(0, node_fs_1.readdirSync)(libs).some(function (name) { return name.startsWith("kafka_2.13-"); })) {
                        throw new errors_ts_1.InfraError("KAFKA_INSTALL_INCOMPLETE", "Maven finished but ".concat(libs, " holds no Kafka jar."), "Delete ".concat(libs, " and run again."));
                    }
                    (0, node_fs_1.writeFileSync)(complete, new Date().toISOString());
                    return [2 /*return*/, libs];
            }
        });
    });
}
function serverProperties(settings, dataDir) {
    return [
        "# Written by infra on every start; edit infra/src/kafka.ts instead.",
        "process.roles=broker,controller",
        "node.id=1",
        "controller.quorum.bootstrap.servers=127.0.0.1:".concat(settings.controllerPort),
        "listeners=PLAINTEXT://127.0.0.1:".concat(settings.port, ",CONTROLLER://127.0.0.1:").concat(settings.controllerPort),
        "advertised.listeners=PLAINTEXT://127.0.0.1:".concat(settings.port),
        "controller.listener.names=CONTROLLER",
        "listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT",
        "log.dirs=".concat(dataDir),
        // One broker: internal topics cannot have more replicas than that.
        "offsets.topic.replication.factor=1",
        "transaction.state.log.replication.factor=1",
        "transaction.state.log.min.isr=1",
        "share.coordinator.state.topic.replication.factor=1",
        "share.coordinator.state.topic.min.isr=1",
        "group.initial.rebalance.delay.ms=0",
        // Topics are declared in code (packages/kafka); a typo must fail, not create a topic.
        "auto.create.topics.enable=false",
        "num.partitions=3",
        "",
    ].join("\n");
}
/** Kafka cluster ids are 16 random bytes in unpadded base64url. */
function newClusterId() {
    return (0, node_crypto_1.randomBytes)(16).toString("base64url");
}
function daemonSpec(libs, configFile, settings, java) {
    return {
        name: NAME,
        marker: MARKER,
        command: java,
        args: [
            MARKER,
            "-Xms128m",
            "-Xmx".concat(settings.heap),
            "-XX:+UseG1GC",
            "-XX:MaxGCPauseMillis=20",
            "-Djava.awt.headless=true",
            "-Dlog4j2.configurationFile=".concat((0, node_path_1.join)(paths_ts_1.infraDir, "kafka", "log4j2.yaml")),
            "-cp",
            "".concat(libs, "/*"),
            "kafka.Kafka",
            configFile,
        ],
        logFile: (0, paths_ts_1.logFile)(NAME),
    };
}
function formatStorageOnce(java, libs, configFile, dataDir) {
    return __awaiter(this, void 0, void 0, function () {
        var spawnSync, result;
        var _a;
        return __generator(this, function (_b) {
            switch (_b.label) {
                case 0:
                    if ((0, node_fs_1.existsSync)((0, node_path_1.join)(dataDir, "meta.properties")))
                        return [2 /*return*/];
                    (0, progress_ts_1.step)("formatting Kafka storage (first start)");
                    return [4 /*yield*/, Promise.resolve().then(function () { return require("node:child_process"); })];
                case 1:
                    spawnSync = (_b.sent()).spawnSync;
                    result = spawnSync(java, ["-cp", "".concat(libs, "/*"), "kafka.tools.StorageTool", "format", "-t", newClusterId(), "-c", configFile, "--standalone"], { encoding: "utf8" });
                    if (result.status !== 0) {
                        throw new errors_ts_1.InfraError("KAFKA_FORMAT_FAILED", "Formatting Kafka storage failed: ".concat((_a = result.stderr.trim().split("\n").at(-1)) !== null && _a !== void 0 ? _a : ""), "Delete ".concat(dataDir, " and run again."));
                    }
                    return [2 /*return*/];
            }
        });
    });
}
function kafkaReady(brokers) {
    return __awaiter(this, void 0, void 0, function () {
        var admin, cluster, _a;
        return __generator(this, function (_b) {
            switch (_b.label) {
                case 0:
                    admin = new kafkajs_1.Kafka({ clientId: "hooklog-infra", brokers: [brokers], logLevel: kafkajs_1.logLevel.NOTHING, retry: { retries: 0 }, connectionTimeout: 1000 }).admin();
                    _b.label = 1;
                case 1:
                    _b.trys.push([1, 4, 5, 7]);
                    return [4 /*yield*/, admin.connect()];
                case 2:
                    _b.sent();
                    return [4 /*yield*/, admin.describeCluster()];
                case 3:
                    cluster = _b.sent();
                    return [2 /*return*/, cluster.brokers.length > 0 && cluster.controller !== null];
                case 4:
                    _a = _b.sent();
                    return [2 /*return*/, false];
                case 5: return [4 /*yield*/, admin.disconnect().catch(function () { return undefined; })];
                case 6:
                    _b.sent();
                    return [7 /*endfinally*/];
                case 7: return [2 /*return*/];
            }
        });
    });
}
function kafkaPid() {
    return (0, daemon_ts_1.runningPid)(NAME, MARKER);
}
/** Starts the broker unless it runs already; resolves once it answers metadata requests. */
function startKafka() {
    return __awaiter(this, arguments, void 0, function (settings) {
        var brokers, java, libs, dataDir, configFile, spec;
        var _this = this;
        if (settings === void 0) { settings = kafkaSettings(); }
        return __generator(this, function (_a) {
            switch (_a.label) {
                case 0:
                    brokers = "127.0.0.1:".concat(settings.port);
                    if (kafkaPid() !== undefined)
                        return [2 /*return*/, { brokers: brokers, started: false }];
                    return [4 /*yield*/, (0, daemon_ts_1.ensurePortFree)(settings.port, "Kafka", "HOOKLOG_KAFKA_PORT")];
                case 1:
                    _a.sent();
                    return [4 /*yield*/, (0, daemon_ts_1.ensurePortFree)(settings.controllerPort, "Kafka's controller", "HOOKLOG_KAFKA_CONTROLLER_PORT")];
                case 2:
                    _a.sent();
                    java = (0, java_ts_1.requireJava)(17, "Apache Kafka ".concat((0, exports.kafkaVersion)()));
                    return [4 /*yield*/, install()];
                case 3:
                    libs = _a.sent();
                    dataDir = (0, paths_ts_1.stateFolder)("kafka", "data");
                    configFile = (0, paths_ts_1.statePath)("kafka", "server.properties");
                    (0, node_fs_1.writeFileSync)(configFile, serverProperties(settings, dataDir));
                    return [4 /*yield*/, formatStorageOnce(java.executable, libs, configFile, dataDir)];
                case 4:
                    _a.sent();
                    spec = daemonSpec(libs, configFile, settings, java.executable);
                    return [4 /*yield*/, (0, progress_ts_1.timed)("starting Kafka ".concat((0, exports.kafkaVersion)(), " (KRaft) on ").concat(brokers), function () { return __awaiter(_this, void 0, void 0, function () {
                            return __generator(this, function (_a) {
                                switch (_a.label) {
                                    case 0:
                                        (0, daemon_ts_1.startDaemon)(spec);
                                        return [4 /*yield*/, (0, daemon_ts_1.awaitReady)(spec, function () { return kafkaReady(brokers); }, 90000)];
                                    case 1:
                                        _a.sent();
                                        return [2 /*return*/];
                                }
                            });
                        }); })];
                case 5:
                    _a.sent();
                    return [2 /*return*/, { brokers: brokers, started: true }];
            }
        });
    });
}
function stopKafka() {
    return (0, daemon_ts_1.stopDaemon)(NAME, MARKER);
}
