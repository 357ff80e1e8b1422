"use strict";
var __extends = (this && this.__extends) || (function () {
    var extendStatics = function (d, b) {
        extendStatics = Object.setPrototypeOf ||
            ({ __proto__: [] } instanceof Array && function (d, b) { d.__proto__ = b; }) ||
            function (d, b) { for (var p in b) if (Object.prototype.hasOwnProperty.call(b, p)) d[p] = b[p]; };
        return extendStatics(d, b);
    };
    return function (d, b) {
        if (typeof b !== "function" && b !== null)
            throw new TypeError("Class extends value " + String(b) + " is not a constructor or null");
        extendStatics(d, b);
        function __() { this.constructor = d; }
        d.prototype = b === null ? Object.create(b) : (__.prototype = b.prototype, new __());
    };
})();
Object.defineProperty(exports, "__esModule", { value: true });
exports.InfraError = void 0;
/**
 * A failure of the local stack that a person must act on. `message` says what went wrong,
 * `hint` what to do; the CLI prints both on one line each and exits non-zero.
 */
var InfraError = /** @class */ (function (_super) {
    __extends(InfraError, _super);
    function InfraError(code, message, hint, logFile) {
        var _this = _super.call(this, message) || this;
        _this.name = "InfraError";
        _this.code = code;
        _this.hint = hint;
        _this.logFile = logFile;
        return _this;
    }
    return InfraError;
}(Error));
exports.InfraError = InfraError;
