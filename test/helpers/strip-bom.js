// strip-bom 5 (used by @microsoft/app-manifest) is an ES module, which Jest's CommonJS runtime cannot
// load; Node itself can. This is the same one-line function for the tests.
module.exports = function stripBom(string) {
  return typeof string === 'string' && string.charCodeAt(0) === 0xfeff ? string.slice(1) : string;
};
module.exports.default = module.exports;
