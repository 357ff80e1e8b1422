"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.pomProperty = pomProperty;
var node_fs_1 = require("node:fs");
var node_path_1 = require("node:path");
var paths_ts_1 = require("./paths.ts");
/** A version pinned in one of infra's poms, so it is written in one place only. */
function pomProperty(pomFolder, property) {
    var pom = (0, node_fs_1.readFileSync)((0, node_path_1.join)(paths_ts_1.infraDir, pomFolder, "pom.xml"), "utf8");
    var match = new RegExp("<".concat(property.replaceAll(".", "\\."), ">([^<]+)</")).exec(pom);
    if (!(match === null || match === void 0 ? void 0 : match[1]))
        throw new Error("infra/".concat(pomFolder, "/pom.xml has no <").concat(property, ">"));
    return match[1].trim();
}
