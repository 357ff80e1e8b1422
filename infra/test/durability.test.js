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
var node_assert_1 = require("node:assert");
var node_test_1 = require("node:test");
var kafka_1 = require("@hooklog/kafka");
var schemas_1 = require("@hooklog/schemas");
var testkit_1 = require("@hooklog/testkit");
var kafka_ts_1 = require("../src/kafka.ts");
var registry_ts_1 = require("../src/registry.ts");
var index_ts_1 = require("../src/index.ts");
var managed = (0, kafka_ts_1.kafkaPid)() !== undefined && (0, registry_ts_1.registryPid)() !== undefined;
(0, node_test_1.describe)("the stack keeps what it acknowledged", { skip: managed ? false : "Kafka or the registry is not run by infra here" }, function () {
    (0, node_test_1.it)("reads back an Avro WebhookEvent byte-exact, and again after Kafka and the registry restart, with the same schema id", function () { return __awaiter(void 0, void 0, void 0, function () {
        var _a, kafkaBrokers, schemaRegistryUrl, topic, kafka, payload, event, codec, producer, _b, _c, before, decodedBefore, endpoint, after, freshRegistry, decodedAfter;
        var _d, _e;
        return __generator(this, function (_f) {
            switch (_f.label) {
                case 0: return [4 /*yield*/, (0, testkit_1.testStack)()];
                case 1:
                    _a = _f.sent(), kafkaBrokers = _a.kafkaBrokers, schemaRegistryUrl = _a.schemaRegistryUrl;
                    topic = (0, testkit_1.uniqueName)("webhooks.durability");
                    kafka = (0, kafka_1.createKafka)({ clientId: "durability-test", brokers: kafkaBrokers.split(",") });
                    return [4 /*yield*/, (0, kafka_1.ensureTopics)(kafka, [{ name: topic, partitions: 1 }])];
                case 2:
                    _f.sent();
                    payload = Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x31, 0x7d, 0x00, 0xff, 0x0a]);
                    event = {
                        id: (0, testkit_1.uniqueName)("evt"),
                        source: "stripe",
                        provider: "stripe",
                        providerEventId: (0, testkit_1.uniqueName)("evt_provider"),
                        type: "invoice.paid",
                        providerTimestamp: Date.now() - 1000,
                        receivedAt: Date.now(),
                        origin: "webhook",
                        verification: { scheme: "stripe-v1", secretIndex: 0 },
                        contentType: "application/json",
                        headers: { "user-agent": "Stripe/1.0 (+https://stripe.com/docs/webhooks)" },
                        payload: payload,
                    };
                    return [4 /*yield*/, (0, schemas_1.webhookEventCodec)(new kafka_1.SchemaRegistryClient(schemaRegistryUrl), topic)];
                case 3:
                    codec = _f.sent();
                    producer = (0, kafka_1.createIdempotentProducer)(kafka);
                    return [4 /*yield*/, producer.connect()];
                case 4:
                    _f.sent();
                    _c = (_b = producer).send;
                    _d = { topic: topic, acks: -1 };
                    _e = { key: event.providerEventId };
                    return [4 /*yield*/, codec.encode(event)];
                case 5: return [4 /*yield*/, _c.apply(_b, [(_d.messages = [(_e.value = _f.sent(), _e)], _d)])];
                case 6:
                    _f.sent();
                    return [4 /*yield*/, producer.disconnect()];
                case 7:
                    _f.sent();
                    return [4 /*yield*/, (0, testkit_1.readTopic)(kafkaBrokers, topic, { count: 1 })];
                case 8:
                    before = (_f.sent())[0];
                    node_assert_1.strict.ok(before === null || before === void 0 ? void 0 : before.value);
                    return [4 /*yield*/, codec.decode(before.value)];
                case 9:
                    decodedBefore = _f.sent();
                    node_assert_1.strict.ok(decodedBefore.payload.equals(payload), "payload byte for byte");
                    node_assert_1.strict.equal(decodedBefore.providerEventId, event.providerEventId);
                    node_assert_1.strict.equal((0, kafka_1.wireSchemaId)(before.value), codec.schemaId);
                    return [4 /*yield*/, Promise.all([(0, index_ts_1.stopKafka)(), (0, index_ts_1.stopRegistry)()])];
                case 10:
                    _f.sent();
                    return [4 /*yield*/, (0, index_ts_1.startPostgres)()];
                case 11:
                    endpoint = (_f.sent()).endpoint;
                    return [4 /*yield*/, Promise.all([(0, index_ts_1.startKafka)(), (0, index_ts_1.startRegistry)(endpoint)])];
                case 12:
                    _f.sent();
                    return [4 /*yield*/, (0, testkit_1.readTopic)(kafkaBrokers, topic, { count: 1, timeoutMs: 60000 })];
                case 13:
                    after = (_f.sent())[0];
                    node_assert_1.strict.ok(after === null || after === void 0 ? void 0 : after.value);
                    node_assert_1.strict.ok(after.value.equals(before.value), "the stored message is unchanged");
                    node_assert_1.strict.equal((0, kafka_1.wireSchemaId)(after.value), codec.schemaId, "same schema id");
                    freshRegistry = new kafka_1.SchemaRegistryClient(schemaRegistryUrl);
                    return [4 /*yield*/, freshRegistry.registry.decode(after.value)];
                case 14:
                    decodedAfter = (_f.sent());
                    node_assert_1.strict.ok(decodedAfter.payload.equals(payload), "decodes through a registry that restarted, with no cache");
                    node_assert_1.strict.equal(decodedAfter.id, event.id);
                    return [2 /*return*/];
            }
        });
    }); });
});
