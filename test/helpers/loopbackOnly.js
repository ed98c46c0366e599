// Loaded into a bot process started by a test (`node --require` through NODE_OPTIONS): every TCP
// connection (http, https, fetch) to anything but loopback is refused before it is made, and said
// as one JSON line, so a test can check what tried to leave. The Azure Monitor distro, for one,
// asks the Azure instance metadata address (169.254.169.254) at start, and nothing may leave here.
'use strict';
const net = require('node:net');

const connect = net.Socket.prototype.connect;
net.Socket.prototype.connect = function guardedConnect(...args) {
  const first = Array.isArray(args[0]) ? args[0][0] : args[0];
  const options =
    first !== null && typeof first === 'object'
      ? first
      : { port: first, host: typeof args[1] === 'string' ? args[1] : undefined };
  // A truthy `path` is a Unix socket or pipe (http passes `path: null` for TCP).
  if (!options.path) {
    const host = String(options.host ?? 'localhost');
    if (!/^(127\.\d+\.\d+\.\d+|localhost|::1|\[::1\])$/i.test(host)) {
      process.stdout.write(
        `${JSON.stringify({ level: 40, time: new Date().toISOString(), component: 'test-loopback-guard', refused: `${host}:${options.port}`, msg: 'refused a connection that would leave loopback' })}\n`,
      );
      const err = Object.assign(
        new Error(`connect ECONNREFUSED ${host}:${options.port} (only loopback in this test)`),
        { code: 'ECONNREFUSED' },
      );
      process.nextTick(() => this.destroy(err));
      return this;
    }
  }
  return connect.apply(this, args);
};
