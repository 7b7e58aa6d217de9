// Browser-side mock of the Tauri IPC bridge, injected before the app loads (page.addInitScript).
// It installs `window.__TAURI_INTERNALS__` the way @tauri-apps/api calls it (invoke,
// transformCallback, convertFileSrc, metadata) and the event plugin (listen/unlisten/emit), and
// exposes `window.TrawlMock`:
//   register({ command: (args, mock) => result })  add handlers (later registrations win)
//   fixtures                                        shared fixture data (mocks/fixtures.js)
//   calls                                           every invoke as { cmd, args }
//   unhandled                                       commands nobody registered, and calls
//                                                   with snake_case argument names (Tauri
//                                                   expects camelCase: `targetId`)
//   emit(event, payload)                            deliver an event to the app's listeners
//   listenerCount(event)                            how many listeners the app has for an event
//   fail(code, message)                             build an IpcError to throw from a handler
// Every other file in mocks/ is a plain script that calls TrawlMock.register; they merge.
(function () {
  const handlers = new Map();
  const callbacks = new Map();
  const listeners = new Map();
  let nextCallback = 1;

  const mock = {
    fixtures: {},
    calls: [],
    unhandled: [],
    register(table) {
      for (const [cmd, fn] of Object.entries(table)) handlers.set(cmd, fn);
    },
    fail(code, message) {
      return { code, message };
    },
    emit(event, payload) {
      for (const entry of [...(listeners.get(event) ?? [])]) {
        const callback = callbacks.get(entry.handler);
        if (callback) callback({ event, id: entry.id, payload });
      }
    },
    listenerCount(event) {
      return (listeners.get(event) ?? []).length;
    },
  };

  let nextListener = 1;
  mock.register({
    "plugin:event|listen": ({ event, handler }) => {
      const id = nextListener++;
      if (!listeners.has(event)) listeners.set(event, []);
      listeners.get(event).push({ id, handler });
      return id;
    },
    "plugin:event|unlisten": ({ event, eventId }) => {
      const list = listeners.get(event) ?? [];
      listeners.set(
        event,
        list.filter((entry) => entry.id !== eventId),
      );
      return null;
    },
    "plugin:event|emit": ({ event, payload }) => {
      mock.emit(event, payload);
      return null;
    },
  });

  window.TrawlMock = mock;
  window.__TAURI_EVENT_PLUGIN_INTERNALS__ = {
    unregisterListener(_event, _id) {},
  };
  window.__TAURI_INTERNALS__ = {
    metadata: {
      currentWindow: { label: "main" },
      currentWebview: { windowLabel: "main", label: "main" },
    },
    transformCallback(callback, once) {
      const id = nextCallback++;
      callbacks.set(id, (data) => {
        if (once) callbacks.delete(id);
        return callback && callback(data);
      });
      return id;
    },
    unregisterCallback(id) {
      callbacks.delete(id);
    },
    convertFileSrc(path, protocol) {
      // Served by the harness's route for /__mock-asset/ (a real asset URL would not load here).
      return `${location.origin}/__mock-asset/${protocol || "asset"}/${encodeURIComponent(path)}`;
    },
    async invoke(cmd, args) {
      const copy = args === undefined ? {} : JSON.parse(JSON.stringify(args));
      mock.calls.push({ cmd, args: copy });
      // Tauri renames snake_case command parameters to camelCase: a snake_case key here would
      // never reach the Rust parameter, so it is refused like a missing handler.
      const snake = cmd.startsWith("plugin:")
        ? []
        : Object.keys(copy).filter((k) => k.includes("_"));
      if (snake.length > 0) {
        mock.unhandled.push(`${cmd}: snake_case argument ${snake.join(", ")}`);
        throw { code: "mock_bad_args", message: `${cmd} takes camelCase arguments, not ${snake}` };
      }
      const handler = handlers.get(cmd);
      if (!handler) {
        mock.unhandled.push(cmd);
        throw { code: "mock_missing", message: `no mock handler for ${cmd}` };
      }
      // Handlers see a copy, as the real bridge serialises arguments.
      return handler(copy, mock);
    },
  };
})();
