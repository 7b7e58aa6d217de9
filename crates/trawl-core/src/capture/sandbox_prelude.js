// Trawl's stub browser for the fast capturer's script sandbox (see script_sandbox.rs).
//
// Evaluated once per page, before the page's scripts, as one function expression. The sandbox
// calls it with `host` (three native functions: navigate, opened, write) and `page` (the
// document URL's parts and the User-Agent); neither is reachable from page code afterwards.
// Everything here is inert: no network, no files, no real timers. Timers and load events are
// queued and run later, one per `runTask()` call, in virtual time.
(function (host, page) {
  'use strict';

  const G = globalThis;
  const STOP = Object.freeze({});
  // Captured now, so that a page replacing them cannot break the stub browser.
  const globalEval = G.eval;
  const toText = String;
  const toObject = Object;
  const fromCharCode = String.fromCharCode;
  const { apply, get: reflectGet, set: reflectSet } = Reflect;
  const ownProperty = Object.prototype.hasOwnProperty;
  const define = (obj, name, desc) =>
    Object.defineProperty(obj, name, Object.assign({ enumerable: true, configurable: true }, desc));

  // Native array loops do not poll the interrupt handler, and a sparse array's length costs no
  // memory: `new Array(1e9).join('')` would outlast any budget. Array methods refuse such
  // lengths (no real page has them; a dense array that long cannot fit the memory limit).
  const MAX_ARRAY_LENGTH = 1 << 21;
  const tooLong = (value) =>
    value !== null && typeof value === 'object' && !(value instanceof toText)
    && value.length > MAX_ARRAY_LENGTH;
  const typedArrayPrototype = Object.getPrototypeOf(Uint8Array.prototype);
  for (const proto of [Array.prototype, typedArrayPrototype]) {
    for (const name of Object.getOwnPropertyNames(proto)) {
      const desc = Object.getOwnPropertyDescriptor(proto, name);
      const original = desc.value;
      if (typeof original !== 'function' || name === 'constructor') continue;
      const guarded = {
        [name](...args) {
          // A plain loop: the guarded methods themselves must not be used here.
          let refused = tooLong(toObject(this));
          for (let i = 0; i < args.length; i++) refused = refused || tooLong(args[i]);
          if (refused) throw new RangeError('array too long for the sandbox');
          return apply(original, this, args);
        },
      }[name];
      Object.defineProperty(proto, name, Object.assign(desc, { value: guarded }));
    }
  }

  // Records a navigation; when the host takes it, nothing more of the page may run.
  function navigate(target) {
    if (host.navigate(toText(target))) throw STOP;
  }

  // Inert objects: unknown properties are callable stubs, calls return elements.
  const toPrimitive = (hint) => (hint === 'number' ? 0 : '');
  const inertHandler = {
    get(target, key) {
      if (apply(ownProperty, target, [key])) return reflectGet(target, key);
      if (typeof key === 'symbol') return key === Symbol.toPrimitive ? toPrimitive : undefined;
      if (key === 'then' || key === 'toJSON') return undefined;
      const child = callable();
      target[key] = child;
      return child;
    },
    set(target, key, value) {
      return reflectSet(target, key, value);
    },
    apply() {
      return element('div');
    },
    construct() {
      return element('div');
    },
  };
  const inert = (own) => new Proxy(Object.assign({}, own), inertHandler);
  const callable = () => new Proxy(Object.setPrototypeOf(function () {}, null), inertHandler);

  let bodyElement = null;

  function element(tag, parent) {
    const name = toText(tag || 'div').toUpperCase();
    const attributes = Object.create(null);
    const own = {
      tagName: name, nodeName: name, nodeType: 1, id: '', className: '', name: '', type: '',
      innerHTML: '', outerHTML: '', innerText: '', textContent: '', value: '', src: '', href: '',
      target: '', action: '', method: '', checked: false, disabled: false, hidden: false,
      children: [], childNodes: [], attributes: [], dataset: {}, style: inert(),
      firstChild: null, lastChild: null, nextSibling: null, previousSibling: null,
      firstElementChild: null, lastElementChild: null, nextElementSibling: null,
      previousElementSibling: null, offsetParent: null,
      offsetWidth: 0, offsetHeight: 0, offsetTop: 0, offsetLeft: 0, clientWidth: 0,
      clientHeight: 0, scrollWidth: 0, scrollHeight: 0, scrollTop: 0, scrollLeft: 0,
      classList: { add() {}, remove() {}, toggle: () => false, contains: () => false },
      getAttribute: (k) => (toText(k) in attributes ? attributes[toText(k)] : null),
      setAttribute: (k, v) => { attributes[toText(k)] = toText(v); },
      removeAttribute: (k) => { delete attributes[toText(k)]; },
      hasAttribute: (k) => toText(k) in attributes,
      appendChild: (c) => c, removeChild: (c) => c, insertBefore: (c) => c,
      replaceChild: (n, old) => old, cloneNode: () => element(name),
      append() {}, prepend() {}, remove() {}, before() {}, after() {}, insertAdjacentHTML() {},
      addEventListener() {}, removeEventListener() {}, attachEvent() {},
      dispatchEvent: () => true, focus() {}, blur() {}, submit() {}, reset() {}, select() {},
      getElementsByTagName: (t) => [element(t)], getElementsByClassName: () => [element()],
      querySelector: () => element(), querySelectorAll: () => [element()],
      getElementById: () => element(), contains: () => false, matches: () => false,
      closest: () => null, hasChildNodes: () => false,
      getBoundingClientRect: () => ({ x: 0, y: 0, top: 0, left: 0, right: 0, bottom: 0, width: 0, height: 0 }),
      toString: () => '[object HTML' + (name[0] + name.slice(1).toLowerCase()) + 'Element]',
      // An anchor clicked by script navigates like a link would.
      click() {
        const href = own.href || attributes.href;
        const where = toText(own.target || attributes.target || '');
        if (name !== 'A' || !href) return;
        if (where === '' || /^_(self|top|parent)$/i.test(where)) navigate(href);
        else host.opened(toText(href));
      },
    };
    own.parentNode = own.parentElement = parent === undefined ? bodyElement : parent;
    const proxy = new Proxy(own, inertHandler);
    return proxy;
  }

  // Listeners of window and document; those of elements are never run (no user input).
  const listeners = new Map();
  function listenersOf(target, type) {
    if (!listeners.has(target)) listeners.set(target, Object.create(null));
    const byType = listeners.get(target);
    return (byType[type] = byType[type] || []);
  }
  function makeEventTarget(target) {
    target.addEventListener = (type, fn) => {
      if (fn) listenersOf(target, toText(type)).push(fn);
    };
    target.removeEventListener = (type, fn) => {
      const list = listenersOf(target, toText(type));
      const at = list.indexOf(fn);
      if (at >= 0) list.splice(at, 1);
    };
    target.attachEvent = (type, fn) => target.addEventListener(toText(type).replace(/^on/, ''), fn);
    target.dispatchEvent = () => true;
  }

  // Location: reading gives the page URL's parts, writing navigates.
  const parts = {
    href: page.href, protocol: page.protocol, host: page.host, hostname: page.hostname,
    port: page.port, pathname: page.pathname, search: page.search, hash: page.hash,
  };
  function withPart(key, value) {
    let { protocol, host: authority, pathname, search } = parts;
    if (key === 'protocol') protocol = value.replace(/:.*$/, '') + ':';
    if (key === 'host') authority = value;
    if (key === 'hostname') authority = value + (parts.port ? ':' + parts.port : '');
    if (key === 'port') authority = parts.hostname + (value ? ':' + value : '');
    if (key === 'pathname') pathname = value[0] === '/' ? value : '/' + value;
    if (key === 'search') search = value === '' || value[0] === '?' ? value : '?' + value;
    return protocol + '//' + authority + pathname + search + parts.hash;
  }
  const location = {};
  for (const key of ['protocol', 'host', 'hostname', 'port', 'pathname', 'search']) {
    define(location, key, { get: () => parts[key], set: (v) => navigate(withPart(key, toText(v))) });
  }
  define(location, 'href', { get: () => parts.href, set: navigate });
  define(location, 'origin', { get: () => page.origin });
  define(location, 'hash', {
    get: () => parts.hash,
    set: (v) => {
      const hash = toText(v);
      parts.hash = hash === '' || hash[0] === '#' ? hash : '#' + hash;
      parts.href = parts.href.split('#')[0] + parts.hash;
    },
  });
  Object.assign(location, {
    assign: (u) => navigate(u),
    replace: (u) => navigate(u),
    reload() {},
    toString: () => parts.href,
  });

  // Timers in virtual time, and the load events.
  // An interval, or a chain of animation frames, runs at most this often: a spinner must not
  // use up the callback cap before a delayed redirect's timer.
  const MAX_REPEATS = 10;
  let frames = 0;
  let clock = 0;
  let sequence = 0;
  let nextTimerId = 1;
  const timers = [];
  function schedule(callback, delay, args, repeat) {
    const fn = typeof callback === 'function' ? callback : () => globalEval(toText(callback));
    const wait = Math.max(0, Number(delay) || 0);
    const id = nextTimerId++;
    const every = repeat ? Math.max(wait, 4) : 0;
    timers.push({ id, fn, args, due: clock + wait, seq: sequence++, every, runs: 0 });
    return id;
  }
  function unschedule(id) {
    const at = timers.findIndex((t) => t.id === id);
    if (at >= 0) timers.splice(at, 1);
  }

  let readyState = 'loading';
  const readyCallbacks = [];
  let phase = 0;
  let pending = [];

  function eventOf(type, target) {
    return {
      type, target, currentTarget: target, bubbles: false, cancelable: false,
      defaultPrevented: false, isTrusted: true, timeStamp: clock,
      preventDefault() {}, stopPropagation() {}, stopImmediatePropagation() {},
    };
  }
  function handlersFor(type) {
    const found = [];
    const add = (target, fn) => found.push([fn, target, eventOf(type, target)]);
    if (type === 'DOMContentLoaded') {
      if (typeof docOwn.onreadystatechange === 'function') add(document, docOwn.onreadystatechange);
      for (const fn of listenersOf(docOwn, 'readystatechange')) add(document, fn);
      for (const fn of listenersOf(docOwn, type)) add(document, fn);
      for (const fn of listenersOf(G, type)) add(G, fn);
      for (const fn of readyCallbacks) add(document, fn);
    } else {
      for (const fn of listenersOf(docOwn, 'readystatechange')) add(document, fn);
      for (const fn of listenersOf(G, type)) add(G, fn);
      if (typeof G.onload === 'function') add(G, G.onload);
    }
    return found;
  }

  // Runs the next queued callback; false when nothing is left.
  function runTask() {
    for (;;) {
      if (pending.length > 0) {
        const [fn, self, event] = pending.shift();
        if (typeof fn === 'function') apply(fn, self, [event]);
        else if (fn && typeof fn.handleEvent === 'function') apply(fn.handleEvent, fn, [event]);
        return true;
      }
      if (phase === 0) {
        phase = 1;
        readyState = 'interactive';
        pending = handlersFor('DOMContentLoaded');
        continue;
      }
      if (phase === 1) {
        phase = 2;
        readyState = 'complete';
        pending = handlersFor('load');
        continue;
      }
      if (timers.length === 0) return false;
      let next = 0;
      for (let i = 1; i < timers.length; i++) {
        const a = timers[i];
        const b = timers[next];
        if (a.due < b.due || (a.due === b.due && a.seq < b.seq)) next = i;
      }
      const timer = timers[next];
      clock = Math.max(clock, timer.due);
      timer.runs += 1;
      if (timer.every && timer.runs < MAX_REPEATS) {
        timer.due = clock + timer.every;
        timer.seq = sequence++;
      } else {
        timers.splice(next, 1);
      }
      apply(timer.fn, G, timer.args || []);
      return true;
    }
  }

  // The body's `onload` attribute, installed before the page's scripts run.
  function setBodyOnload(code) {
    G.onload = new Function('event', toText(code));
  }

  // The document.
  const cookies = new Map();
  const htmlElement = element('html', null);
  const headElement = element('head', htmlElement);
  bodyElement = element('body', htmlElement);
  const byTag = (t) => {
    const tag = toText(t).toLowerCase();
    if (tag === 'html') return htmlElement;
    if (tag === 'head') return headElement;
    if (tag === 'body') return bodyElement;
    return element(tag);
  };
  const write = (...chunks) => host.write(chunks.map(toText).join(''));
  const docOwn = {
    nodeType: 9, nodeName: '#document', URL: page.href, documentURI: page.href,
    domain: page.hostname, referrer: '', title: '', characterSet: 'UTF-8', charset: 'UTF-8',
    contentType: 'text/html', compatMode: 'CSS1Compat', hidden: false, visibilityState: 'visible',
    documentElement: htmlElement, head: headElement, body: bodyElement, parentNode: null,
    forms: [], images: [], links: [], scripts: [], anchors: [], all: [],
    onreadystatechange: null,
    createElement: (t) => element(t), createElementNS: (ns, t) => element(t),
    createTextNode: () => element('#text'), createComment: () => element('#comment'),
    createDocumentFragment: () => element('#document-fragment'),
    createEvent: () => inert({ initEvent() {} }),
    currentScript: element('script'), baseURI: page.href,
    getElementById: () => element('div'), getElementsByTagName: (t) => [byTag(t)],
    getElementsByClassName: () => [element('div')], getElementsByName: () => [element('input')],
    querySelector: (s) => byTag(s), querySelectorAll: (s) => [byTag(s)],
    write, writeln: (...chunks) => write(...chunks, '\n'),
    open: () => document, close() {}, hasFocus: () => true, execCommand: () => false,
  };
  define(docOwn, 'readyState', { get: () => readyState });
  define(docOwn, 'location', { get: () => location, set: navigate });
  define(docOwn, 'cookie', {
    get: () => Array.from(cookies, ([k, v]) => (k ? k + '=' + v : v)).join('; '),
    set: (v) => {
      const pair = toText(v).split(';')[0];
      const at = pair.indexOf('=');
      const key = at < 0 ? '' : pair.slice(0, at).trim();
      cookies.set(key, at < 0 ? pair.trim() : pair.slice(at + 1).trim());
    },
  });
  makeEventTarget(docOwn);
  const document = new Proxy(docOwn, inertHandler);

  // Base64 and the rest of the small pure helpers browsers have.
  const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
  function atob(input) {
    const text = toText(input).replace(/[\t\n\f\r ]/g, '').replace(/={1,2}$/, '');
    if (text.length % 4 === 1 || /[^A-Za-z0-9+/]/.test(text)) {
      throw new Error('InvalidCharacterError: the string is not correctly encoded');
    }
    let out = '';
    let bits = 0;
    let buffer = 0;
    for (const c of text) {
      buffer = (buffer << 6) | B64.indexOf(c);
      bits += 6;
      if (bits >= 8) {
        bits -= 8;
        out += fromCharCode((buffer >> bits) & 0xff);
      }
    }
    return out;
  }
  function btoa(input) {
    const text = toText(input);
    let out = '';
    for (let i = 0; i < text.length; i += 3) {
      const codes = [text.charCodeAt(i), text.charCodeAt(i + 1), text.charCodeAt(i + 2)];
      if (codes.some((c) => c > 255)) {
        throw new Error('InvalidCharacterError: the string has characters outside Latin1');
      }
      const n = (codes[0] << 16) | ((codes[1] || 0) << 8) | (codes[2] || 0);
      out += B64[(n >> 18) & 63] + B64[(n >> 12) & 63];
      out += i + 1 < text.length ? B64[(n >> 6) & 63] : '=';
      out += i + 2 < text.length ? B64[n & 63] : '=';
    }
    return out;
  }

  class URLSearchParams {
    constructor(init) {
      this._pairs = toText(init === undefined ? '' : init)
        .replace(/^\?/, '')
        .split('&')
        .filter((p) => p !== '')
        .map((p) => {
          const at = p.indexOf('=');
          const decode = (s) => decodeURIComponent(s.replace(/\+/g, ' '));
          return at < 0 ? [decode(p), ''] : [decode(p.slice(0, at)), decode(p.slice(at + 1))];
        });
    }
    get(k) {
      const pair = this._pairs.find(([key]) => key === toText(k));
      return pair ? pair[1] : null;
    }
    getAll(k) { return this._pairs.filter(([key]) => key === toText(k)).map(([, v]) => v); }
    has(k) { return this._pairs.some(([key]) => key === toText(k)); }
    append(k, v) { this._pairs.push([toText(k), toText(v)]); }
    set(k, v) { this.delete(k); this.append(k, v); }
    delete(k) { this._pairs = this._pairs.filter(([key]) => key !== toText(k)); }
    forEach(fn) { this._pairs.forEach(([k, v]) => fn(v, k, this)); }
    toString() {
      return this._pairs.map(([k, v]) => encodeURIComponent(k) + '=' + encodeURIComponent(v)).join('&');
    }
  }

  function storage() {
    const items = new Map();
    return {
      getItem: (k) => (items.has(toText(k)) ? items.get(toText(k)) : null),
      setItem: (k, v) => { items.set(toText(k), toText(v)); },
      removeItem: (k) => { items.delete(toText(k)); },
      clear: () => items.clear(),
      key: (i) => Array.from(items.keys())[i] ?? null,
      get length() { return items.size; },
    };
  }

  // No network answer ever arrives.
  class XMLHttpRequest {
    constructor() {
      Object.assign(this, { readyState: 0, status: 0, responseText: '', response: '', statusText: '' });
    }
    open() {}
    send() {}
    abort() {}
    setRequestHeader() {}
    getResponseHeader() { return null; }
    getAllResponseHeaders() { return ''; }
    addEventListener() {}
    removeEventListener() {}
  }

  const userAgent = toText(page.userAgent);
  const platform = /iPhone|iPad/.test(userAgent) ? 'iPhone'
    : /Mac/.test(userAgent) ? 'MacIntel'
    : /Android|Linux/.test(userAgent) ? 'Linux x86_64' : 'Win32';
  const navigator = {
    userAgent, appVersion: userAgent.replace(/^Mozilla\//, ''), appName: 'Netscape',
    appCodeName: 'Mozilla', product: 'Gecko', vendor: 'Google Inc.', platform,
    language: 'en-US', languages: ['en-US', 'en'], cookieEnabled: true, onLine: true,
    webdriver: false, doNotTrack: null, hardwareConcurrency: 8, maxTouchPoints: 0,
    plugins: [], mimeTypes: [], javaEnabled: () => false, sendBeacon: () => false,
  };

  // A tiny jQuery: ready callbacks run with DOMContentLoaded, everything else is inert.
  function jquery(arg) {
    const collection = inert({ length: 1 });
    if (typeof arg === 'function') {
      readyCallbacks.push(arg);
      return collection;
    }
    const isPage = arg === document || arg === G;
    collection.ready = (fn) => {
      readyCallbacks.push(fn);
      return collection;
    };
    collection.on = (type, fn) => {
      if (isPage && /^(ready|load|DOMContentLoaded)$/.test(toText(type))) readyCallbacks.push(fn);
      return collection;
    };
    return collection;
  }
  const jqueryFunction = new Proxy(Object.setPrototypeOf(jquery, null), {
    get: inertHandler.get,
    set: inertHandler.set,
  });

  const noop = () => {};
  const globals = {
    self: G, parent: G, frames: G, opener: null, frameElement: null, closed: false, name: '',
    length: 0, status: '', origin: page.origin, isSecureContext: page.protocol === 'https:',
    navigator, clientInformation: navigator,
    screen: { width: 1920, height: 1080, availWidth: 1920, availHeight: 1040, colorDepth: 24, pixelDepth: 24 },
    innerWidth: 1920, innerHeight: 969, outerWidth: 1920, outerHeight: 1040,
    devicePixelRatio: 1, scrollX: 0, scrollY: 0, pageXOffset: 0, pageYOffset: 0,
    history: { length: 1, state: null, pushState: noop, replaceState: noop, back: noop, forward: noop, go: noop },
    performance: { now: () => clock, timing: { navigationStart: Date.now() }, mark: noop, measure: noop },
    console: inert(Object.fromEntries(
      ['log', 'info', 'warn', 'error', 'debug', 'trace', 'dir', 'table', 'group', 'groupEnd', 'time', 'timeEnd', 'assert', 'count']
        .map((k) => [k, noop]),
    )),
    localStorage: storage(), sessionStorage: storage(),
    setTimeout: (fn, delay, ...args) => schedule(fn, delay, args, false),
    setInterval: (fn, delay, ...args) => schedule(fn, delay, args, true),
    clearTimeout: unschedule, clearInterval: unschedule,
    requestAnimationFrame: (fn) => (++frames > MAX_REPEATS ? 0 : schedule(fn, 16, [clock + 16], false)),
    cancelAnimationFrame: unschedule,
    requestIdleCallback: (fn) => schedule(fn, 1, [], false), cancelIdleCallback: unschedule,
    atob, btoa, URLSearchParams, XMLHttpRequest,
    fetch: () => new Promise(noop),
    alert: noop, confirm: () => false, prompt: () => null, print: noop,
    focus: noop, blur: noop, close: noop, stop: noop, postMessage: noop,
    scroll: noop, scrollTo: noop, scrollBy: noop, moveTo: noop, resizeTo: noop,
    open: (url, target) => {
      if (/^_(self|top|parent)$/i.test(toText(target || ''))) navigate(url);
      if (url !== undefined) host.opened(toText(url));
      return inert({ closed: false, document });
    },
    getComputedStyle: () => inert(),
    matchMedia: (q) => ({ matches: false, media: toText(q), addListener: noop, removeListener: noop, addEventListener: noop }),
    MutationObserver: class { observe() {} disconnect() {} takeRecords() { return []; } },
    Image: function Image() { return element('img'); },
    Option: function Option() { return element('option'); },
    Audio: function Audio() { return element('audio'); },
    Event: function Event(type) { return eventOf(toText(type), null); },
    CustomEvent: function CustomEvent(type) { return eventOf(toText(type), null); },
    crypto: {
      getRandomValues: (array) => {
        for (let i = 0; i < array.length; i++) array[i] = Math.floor(Math.random() * 256);
        return array;
      },
    },
    $: jqueryFunction, jQuery: jqueryFunction,
    onload: null,
  };
  for (const [name, value] of Object.entries(globals)) {
    define(G, name, { value, writable: true, enumerable: false });
  }
  // DOM interfaces exist (scripts patch their prototypes), but no stub is an instance.
  for (const name of [
    'EventTarget', 'Node', 'Element', 'HTMLElement', 'Document', 'HTMLDocument', 'Window',
    'HTMLScriptElement', 'HTMLAnchorElement', 'HTMLFormElement', 'HTMLInputElement',
    'HTMLImageElement', 'HTMLIFrameElement', 'HTMLDivElement', 'Text', 'NodeList',
  ]) {
    define(G, name, { value: function () {}, writable: true, enumerable: false });
  }
  if (typeof G.queueMicrotask !== 'function') {
    define(G, 'queueMicrotask', { value: (fn) => { Promise.resolve().then(fn); }, writable: true });
  }
  makeEventTarget(G);
  // Unforgeable in browsers: window, document, top and location cannot be redefined.
  define(G, 'window', { get: () => G, configurable: false });
  define(G, 'top', { get: () => G, configurable: false });
  define(G, 'document', { get: () => document, configurable: false });
  define(G, 'location', { get: () => location, set: navigate, configurable: false });

  return { runTask, setBodyOnload };
})
