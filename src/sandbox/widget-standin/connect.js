// @ts-check
/**
 * Connect stand-in: the child side of the Pluggy Connect widget, served by the local sandbox.
 *
 * pluggy-connect-sdk (the parent) renders a zoid component with tag 'pluggy-connect-widget' in an
 * iframe at its `url` prop. This page registers the same tag, so zoid hands it the parent's props as
 * `window.xprops` (callbacks renamed onSuccessProp, onErrorProp, onEventProp, …: see the SDK's
 * utils/props.js). It then drives Pluggy's API on its own origin with the connect token as X-API-KEY,
 * the calls the real widget makes (pluggy-js): list connectors, create or update an item, poll it,
 * answer MFA. Plain browser JS, no build step; zoid comes from /connect/zoid.js.
 *
 * onOpen and onClose are not called from here: the SDK's containerTemplate already calls
 * onOpenProp when zoid displays the frame and onCloseProp (once-guarded) when it closes, so calling
 * them from the child would fire the parent's handlers twice. The close button calls xprops.close().
 */
(() => {
  const POLL_MS = 500;
  const FAILED = new Set(['LOGIN_ERROR', 'OUTDATED']);
  /** Execution steps before the user is known to be logged in (pluggy-sdk ExecutionStatus). */
  const LOGIN_PHASE = new Set([
    'CREATING',
    'CREATED',
    'LOGIN_IN_PROGRESS',
    'WAITING_USER_INPUT',
    'LOGIN_MFA_IN_PROGRESS',
    'WAITING_USER_ACTION',
  ]);

  /**
   * @typedef {{ name: string, label?: string, type?: string, placeholder?: string, validation?: string,
   *   validationMessage?: string, optional?: boolean, instructions?: string, assistiveText?: string,
   *   data?: string, options?: { value: string, label: string }[], expiresAt?: string, mfa?: boolean }} Credential
   * @typedef {{ id: number, name: string, type?: string, country?: string, primaryColor?: string,
   *   isSandbox?: boolean, isOpenFinance?: boolean, hasMFA?: boolean, credentials?: Credential[] }} Connector
   * @typedef {{ id: string, status: string, executionStatus?: string, connector: Connector,
   *   parameter?: Credential | null, error?: { code?: string, message?: string } | null,
   *   userAction?: { instructions?: string } | null }} Item
   * @typedef {{ connector: Connector, updating: Item | null, cancelled: boolean, loginOk: boolean,
   *   mfaSent: boolean, mfaOk: boolean, completed: boolean }} Flow
   */

  /** zoid and xprops are untyped globals. @type {any} */
  const win = window;
  const screen = /** @type {HTMLElement} */ (document.getElementById('screen'));
  const title = /** @type {HTMLElement} */ (document.getElementById('title'));
  const backButton = /** @type {HTMLButtonElement} */ (document.getElementById('back'));
  const closeButton = /** @type {HTMLButtonElement} */ (document.getElementById('close'));

  /** @type {(() => void) | null} */
  let backAction = null;
  /** @type {Flow | null} */
  let flow = null;
  /** @type {Connector[] | null} */
  let connectorCache = null;

  const xprops = registerWidget();

  // ---------------------------------------------------------------- zoid and callbacks

  /** Registers the child side of the widget; returns the parent's props, or undefined when not framed by zoid. */
  function registerWidget() {
    if (!win.zoid) return undefined;
    const optional = (/** @type {string} */ type) => ({ type, required: false });
    // Same prop list as pluggy-connect-sdk 2.14.2 (pluggy-connect.js, initialize()).
    win.zoid.create({
      tag: 'pluggy-connect-widget',
      url: location.href,
      dimensions: { width: '320px', height: '568px' },
      props: {
        connectToken: { type: 'string' },
        url: optional('string'),
        includeSandbox: optional('boolean'),
        allowConnectInBackground: optional('boolean'),
        allowFullscreen: optional('boolean'),
        wideDesktopModal: optional('boolean'),
        updateItem: optional('string'),
        connectorTypes: optional('array'),
        connectorIds: optional('array'),
        countries: optional('array'),
        selectedConnectorId: optional('number'),
        language: optional('string'),
        theme: optional('string'),
        moveSecurityData: optional('string'),
        products: optional('array'),
        openFinanceParameters: optional('object'),
        sdkVersion: optional('array'),
        _runningInCordova: optional('boolean'),
        _parentContainerContext: optional('object'),
        forceOauthInBrowser: optional('boolean'),
        forceAskForCredentials: optional('boolean'),
        connectorSortAlphabetically: optional('boolean'),
        onSuccessProp: optional('function'),
        onErrorProp: optional('function'),
        onOpenProp: optional('function'),
        onHideProp: optional('function'),
        onCloseProp: optional('function'),
        onEventProp: optional('function'),
      },
    });
    return win.xprops;
  }

  /** Calls a parent callback; zoid returns a promise that rejects if the parent is gone. */
  function callParent(/** @type {string} */ name, /** @type {unknown} */ payload) {
    const fn = xprops?.[name];
    if (typeof fn !== 'function') return;
    Promise.resolve(fn(payload)).catch((/** @type {unknown} */ err) => console.warn(`${name} failed`, err));
  }

  /** onEvent payloads: { event, timestamp, ...extra } (pluggy-connect-sdk ConnectEventPayload). */
  function emit(/** @type {string} */ event, /** @type {object=} */ extra = {}) {
    callParent('onEventProp', { event, timestamp: Date.now(), ...extra });
  }

  function closeWidget() {
    if (flow) flow.cancelled = true;
    if (typeof xprops?.close === 'function') {
      Promise.resolve(xprops.close()).catch((/** @type {unknown} */ err) =>
        console.warn('close failed', err),
      );
    }
  }

  // ---------------------------------------------------------------- Pluggy API (same origin)

  class ApiError extends Error {
    constructor(/** @type {number} */ status, /** @type {string} */ message, /** @type {any} */ body) {
      super(message);
      this.status = status;
      this.body = body;
    }
  }

  /**
   * @param {string} method
   * @param {string} path
   * @param {object} [body]
   * @returns {Promise<any>}
   */
  async function api(method, path, body) {
    /** @type {Record<string, string>} */
    const headers = { 'X-API-KEY': String(xprops.connectToken ?? '') };
    if (body) headers['Content-Type'] = 'application/json';
    const res = await fetch(path, { method, headers, body: body ? JSON.stringify(body) : undefined });
    const text = await res.text();
    let data = null;
    try {
      data = text ? JSON.parse(text) : null;
    } catch {
      data = null;
    }
    if (!res.ok)
      throw new ApiError(res.status, data?.message || `${method} ${path} answered ${res.status}`, data);
    return data;
  }

  const list = (/** @type {unknown} */ v) => (Array.isArray(v) && v.length > 0 ? v : null);

  /** GET /connectors with the widget's filters; they are applied again here in case the server ignores one. */
  async function loadConnectors() {
    if (connectorCache) return connectorCache;
    const types = list(xprops.connectorTypes);
    const countries = list(xprops.countries);
    const ids = list(xprops.connectorIds);
    const query = [`sandbox=${xprops.includeSandbox === true}`];
    if (types) query.push(`types=${types.map(encodeURIComponent).join(',')}`);
    if (countries) query.push(`countries=${countries.map(encodeURIComponent).join(',')}`);
    const page = await api('GET', `/connectors?${query.join('&')}`);
    /** @type {Connector[]} */
    let connectors = Array.isArray(page?.results) ? page.results : [];
    connectors = connectors.filter(
      (c) =>
        (xprops.includeSandbox === true || !c.isSandbox) &&
        (!types || types.includes(c.type)) &&
        (!countries || countries.includes(c.country)) &&
        (!ids || ids.map(Number).includes(c.id)),
    );
    if (xprops.connectorSortAlphabetically) connectors.sort((a, b) => a.name.localeCompare(b.name));
    connectorCache = connectors;
    return connectors;
  }

  // ---------------------------------------------------------------- DOM helpers

  /**
   * @param {string} tag
   * @param {Record<string, any>} attrs  on* → listeners, other values → attributes (null/false skipped)
   * @param {...(Node | string | null | undefined | false)} children
   */
  function h(tag, attrs = {}, ...children) {
    const el = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs)) {
      if (value === null || value === undefined || value === false) continue;
      if (key.startsWith('on')) el.addEventListener(key.slice(2), value);
      else el.setAttribute(key, value === true ? '' : String(value));
    }
    for (const child of children)
      if (child !== null && child !== undefined && child !== false) el.append(child);
    return el;
  }

  /** Replaces the screen; `back` shows the header's back button. */
  function show(
    /** @type {string} */ heading,
    /** @type {(() => void) | null} */ back,
    /** @type {(Node | string)[]} */ ...nodes
  ) {
    title.textContent = heading;
    backAction = back;
    backButton.hidden = !back;
    screen.replaceChildren(...nodes);
    screen.scrollTop = 0;
  }

  /** 'PERSONAL_BANK' → 'personal bank'. */
  const kind = (/** @type {string | undefined} */ type) => (type ?? '').replace(/_/g, ' ').toLowerCase();

  function avatar(/** @type {Connector} */ c) {
    const initials = c.name
      .split(/\s+/)
      .slice(0, 2)
      .map((w) => w[0] ?? '')
      .join('')
      .toUpperCase();
    const color = /^[0-9a-f]{6}$/i.test(c.primaryColor ?? '') ? `#${c.primaryColor}` : null;
    return h(
      'span',
      { class: 'avatar', 'aria-hidden': 'true', style: color && `background:${color}` },
      initials,
    );
  }

  /**
   * One input for a connector credential or an MFA parameter, with inline validation
   * (the credential's `validation` regex and `validationMessage`).
   */
  function makeField(/** @type {Credential} */ cred, /** @type {string} */ initial = '') {
    const id = `field-${cred.name}`;
    const label = cred.label || cred.name;
    const error = h('p', { class: 'field-error', id: `${id}-error`, role: 'alert' });
    error.hidden = true;
    /** @type {HTMLInputElement | HTMLSelectElement} */
    let input;
    if (cred.type === 'select' && Array.isArray(cred.options)) {
      input = /** @type {HTMLSelectElement} */ (
        h(
          'select',
          { id, name: cred.name, 'aria-describedby': `${id}-error` },
          h('option', { value: '' }, cred.placeholder || 'Choose…'),
          ...cred.options.map((o) => h('option', { value: o.value }, o.label)),
        )
      );
    } else {
      input = /** @type {HTMLInputElement} */ (
        h('input', {
          id,
          name: cred.name,
          type: cred.type === 'password' ? 'password' : 'text',
          inputmode: cred.type === 'number' ? 'numeric' : null,
          placeholder: cred.placeholder || null,
          autocomplete: cred.type === 'password' ? 'current-password' : 'off',
          autocapitalize: 'none',
          spellcheck: 'false',
          'aria-describedby': `${id}-error`,
        })
      );
    }
    input.value = initial;
    let pattern = null;
    try {
      pattern = cred.validation ? new RegExp(cred.validation) : null;
    } catch {
      pattern = null; // a regex this browser cannot compile is left to the server
    }
    const validate = () => {
      const value = input.value;
      if (value === '') return cred.optional ? null : `${label} is required`;
      if (pattern && !pattern.test(value)) return cred.validationMessage || `${label} is not valid`;
      return null;
    };
    const setError = (/** @type {string | null} */ message) => {
      error.textContent = message ?? '';
      error.hidden = !message;
      input.setAttribute('aria-invalid', message ? 'true' : 'false');
    };
    input.addEventListener('blur', () => input.value !== '' && setError(validate()));
    input.addEventListener('input', () => !error.hidden && setError(validate()));
    const image =
      cred.type === 'image' && cred.data
        ? h('img', {
            class: 'mfa-image',
            alt: label,
            src: cred.data.startsWith('data:') ? cred.data : `data:image/png;base64,${cred.data}`,
          })
        : null;
    const hint = cred.instructions || cred.assistiveText;
    const node = h(
      'div',
      { class: 'field' },
      image,
      h('label', { for: id }, label),
      input,
      hint ? h('p', { class: 'hint' }, hint) : null,
      error,
    );
    return { cred, node, input, validate, setError };
  }

  /** Validates every field, shows the messages, focuses the first invalid one; true when all pass. */
  function validateAll(/** @type {ReturnType<typeof makeField>[]} */ fields) {
    let ok = true;
    for (const f of fields) {
      const message = f.validate();
      f.setError(message);
      if (message && ok) f.input.focus();
      if (message) ok = false;
    }
    return ok;
  }

  // ---------------------------------------------------------------- screens

  async function start() {
    if (!xprops) {
      closeButton.hidden = true;
      show(
        'Connect stand-in',
        null,
        h(
          'p',
          {},
          'This page stands in for the Pluggy Connect widget on the local sandbox. Open it through ',
          h('code', {}, 'pluggy-connect-sdk'),
          ' or ',
          h('code', {}, 'react-pluggy-connect'),
          ' with ',
          h('code', {}, `url="${location.origin}/connect"`),
          '.',
        ),
        win.zoid ? '' : h('p', { class: 'field-error' }, 'zoid.js did not load.'),
      );
      return;
    }
    if (xprops.theme === 'dark') document.body.classList.add('dark');
    show(
      'Connect',
      null,
      h('div', { class: 'status' }, h('div', { class: 'spinner' }), h('p', {}, 'Loading…')),
    );
    try {
      if (xprops.updateItem) {
        const item = await api('GET', `/items/${encodeURIComponent(xprops.updateItem)}`);
        emit('ITEM_RESPONSE', { item });
        const connector = await api('GET', `/connectors/${item.connector.id}`);
        showForm(connector, item);
      } else if (typeof xprops.selectedConnectorId === 'number') {
        const connector = await api('GET', `/connectors/${xprops.selectedConnectorId}`);
        selectConnector(connector);
      } else {
        showList(await loadConnectors());
      }
    } catch (err) {
      loadFailed(err);
    }
  }

  /** A failure outside an item's execution (token refused, sandbox down): onError without an item. */
  function loadFailed(/** @type {unknown} */ err) {
    const message = err instanceof Error ? err.message : String(err);
    callParent('onErrorProp', { message });
    show(
      'Something went wrong',
      null,
      h(
        'div',
        { class: 'status failed' },
        h('p', { class: 'big' }, 'Could not load'),
        h('p', { class: 'muted' }, message),
        h('button', { type: 'button', class: 'btn', onclick: () => start() }, 'Retry'),
      ),
    );
  }

  function showList(/** @type {Connector[]} */ connectors) {
    const items = connectors.map((c) => {
      const li = h(
        'li',
        {},
        h(
          'button',
          {
            type: 'button',
            class: 'connector',
            'data-connector-id': c.id,
            onclick: () => selectConnector(c),
          },
          avatar(c),
          h(
            'span',
            { class: 'name' },
            c.name,
            h('small', {}, [kind(c.type), c.isOpenFinance ? 'Open Finance' : ''].filter(Boolean).join(' · ')),
          ),
          c.isSandbox ? h('span', { class: 'tag' }, 'sandbox') : null,
        ),
      );
      li.dataset.name = c.name.toLowerCase();
      return li;
    });
    const search = /** @type {HTMLInputElement} */ (
      h('input', {
        type: 'search',
        class: 'search',
        placeholder: 'Search institution',
        'aria-label': 'Search institution',
        oninput: () => {
          const q = search.value.trim().toLowerCase();
          for (const li of items) li.hidden = !(li.dataset.name ?? '').includes(q);
        },
      })
    );
    show(
      'Choose your institution',
      null,
      search,
      connectors.length
        ? h('ul', { class: 'list', 'aria-label': 'Institutions' }, ...items)
        : h(
            'p',
            { class: 'muted center' },
            xprops.includeSandbox
              ? 'No institutions match.'
              : 'No institutions. Sandbox ones need includeSandbox.',
          ),
    );
  }

  function selectConnector(/** @type {Connector} */ connector) {
    emit('SELECTED_INSTITUTION', { connector });
    showForm(connector, null);
  }

  async function backToList() {
    emit('SELECTED_INSTITUTION', { connector: null });
    try {
      showList(await loadConnectors());
    } catch (err) {
      loadFailed(err);
    }
  }

  /** Credential form; `updating` is the item in update mode (PATCH instead of POST). */
  function showForm(/** @type {Connector} */ connector, /** @type {Item | null} */ updating) {
    const preset = xprops.openFinanceParameters ?? {};
    const fields = (connector.credentials ?? []).map((c) => makeField(c, preset[c.name] ?? ''));
    const formError = h('p', { class: 'field-error', role: 'alert' });
    formError.hidden = true;
    const submit = /** @type {HTMLButtonElement} */ (
      h('button', { type: 'submit', class: 'btn' }, updating ? 'Update' : 'Connect')
    );
    const keepCredentials =
      updating && updating.status !== 'LOGIN_ERROR' && !xprops.forceAskForCredentials
        ? h(
            'button',
            {
              type: 'button',
              class: 'btn secondary',
              onclick: () => runLogin(connector, updating, {}, fields, formError, submit),
            },
            'Sync with saved credentials',
          )
        : null;
    const form = h(
      'form',
      {
        novalidate: true,
        onsubmit: (/** @type {Event} */ e) => {
          e.preventDefault();
          if (!validateAll(fields)) return;
          /** @type {Record<string, string>} */
          const parameters = {};
          for (const f of fields) if (f.input.value !== '') parameters[f.cred.name] = f.input.value;
          runLogin(connector, updating, parameters, fields, formError, submit);
        },
      },
      ...fields.map((f) => f.node),
      formError,
      submit,
      keepCredentials,
    );
    show(
      connector.name,
      updating || xprops.selectedConnectorId === connector.id ? null : backToList,
      h(
        'div',
        { class: 'institution' },
        avatar(connector),
        h(
          'div',
          {},
          h('strong', {}, connector.name),
          h(
            'p',
            { class: 'hint' },
            updating
              ? 'Update your connection'
              : connector.isSandbox
                ? 'Sandbox credentials: user-ok / password-ok'
                : 'Enter your credentials',
          ),
        ),
      ),
      form,
    );
    fields[0]?.input.focus();
  }

  /** POST /items (or PATCH in update mode), then follow the execution. */
  async function runLogin(
    /** @type {Connector} */ connector,
    /** @type {Item | null} */ updating,
    /** @type {Record<string, string>} */ parameters,
    /** @type {ReturnType<typeof makeField>[]} */ fields,
    /** @type {HTMLElement} */ formError,
    /** @type {HTMLButtonElement} */ submit,
  ) {
    if (flow) flow.cancelled = true;
    /** @type {Flow} */
    const current = {
      connector,
      updating,
      cancelled: false,
      loginOk: false,
      mfaSent: false,
      mfaOk: false,
      completed: false,
    };
    flow = current;
    const products = list(xprops.products);
    formError.hidden = true;
    submit.disabled = true;
    submit.textContent = 'Connecting…';
    emit('SUBMITTED_LOGIN');
    /** @type {Item} */
    let item;
    try {
      item = updating
        ? await api('PATCH', `/items/${updating.id}`, { parameters, ...(products && { products }) })
        : await api('POST', '/items', {
            connectorId: connector.id,
            parameters,
            ...(products && { products }),
          });
    } catch (err) {
      submit.disabled = false;
      submit.textContent = updating ? 'Update' : 'Connect';
      // 400 with details (CONNECTOR_VALIDATION_ERROR, …): show them on the fields, the user can fix them.
      const details = err instanceof ApiError && Array.isArray(err.body?.details) ? err.body.details : [];
      let shown = false;
      for (const d of details) {
        const field = fields.find((f) => f.cred.name === d.parameter);
        if (field) {
          field.setError(d.message);
          shown = true;
        }
      }
      if (!shown) {
        formError.textContent = err instanceof Error ? err.message : String(err);
        formError.hidden = false;
      }
      return;
    }
    await follow(item, current);
  }

  /** Polls the item until it needs input or ends; emits the login events on the way. */
  async function follow(/** @type {Item} */ item, /** @type {Flow} */ f) {
    try {
      for (;;) {
        if (f.cancelled) return;
        emit('ITEM_RESPONSE', { item });
        announceLogin(item, f);
        if (item.status === 'UPDATED') return succeeded(item);
        if (FAILED.has(item.status)) return failed(item, f);
        // Open Finance: consent happens at the institution's page; keep polling while the user is there.
        if (item.status === 'WAITING_USER_INPUT' && item.parameter?.type === 'oauth') showOauth(item, f);
        else if (item.status === 'WAITING_USER_INPUT' && item.parameter) return showMfa(item, f);
        else showProgress(item, f);
        await new Promise((resolve) => setTimeout(resolve, POLL_MS));
        if (f.cancelled) return;
        item = await api('GET', `/items/${item.id}`);
      }
    } catch (err) {
      if (!f.cancelled) loadFailed(err);
    }
  }

  /** LOGIN_SUCCESS when the credentials pass (an MFA prompt counts), LOGIN_MFA_SUCCESS after MFA, LOGIN_STEP_COMPLETED once in. */
  function announceLogin(/** @type {Item} */ item, /** @type {Flow} */ f) {
    const loggedIn =
      item.status === 'UPDATED' ||
      item.status === 'MERGING' ||
      (item.status === 'UPDATING' && !LOGIN_PHASE.has(item.executionStatus ?? ''));
    if (!f.loginOk && (loggedIn || item.status === 'WAITING_USER_INPUT')) {
      f.loginOk = true;
      emit('LOGIN_SUCCESS', { item });
    }
    if (loggedIn && f.mfaSent && !f.mfaOk) {
      f.mfaOk = true;
      emit('LOGIN_MFA_SUCCESS', { item });
    }
    if (loggedIn && !f.completed) {
      f.completed = true;
      emit('LOGIN_STEP_COMPLETED', { item });
    }
  }

  function showProgress(/** @type {Item} */ item, /** @type {Flow} */ f) {
    const step = item.executionStatus ?? '';
    const text =
      item.status === 'WAITING_USER_ACTION'
        ? item.userAction?.instructions || 'Waiting for you to approve the access at your institution…'
        : step === 'LOGIN_MFA_IN_PROGRESS'
          ? 'Checking your code…'
          : step.endsWith('_IN_PROGRESS') && step !== 'LOGIN_IN_PROGRESS'
            ? `Collecting your data (${step
                .replace(/_IN_PROGRESS$/, '')
                .replace(/_/g, ' ')
                .toLowerCase()})…`
            : `Connecting to ${f.connector.name}…`;
    const existing = screen.querySelector('[data-progress]');
    if (existing) {
      existing.textContent = text;
      return;
    }
    show(
      f.connector.name,
      null,
      h(
        'div',
        { class: 'status' },
        h('div', { class: 'spinner', role: 'progressbar', 'aria-label': 'Connecting' }),
        h('p', { 'data-progress': true }, text),
      ),
    );
  }

  /**
   * Open Finance consent: item.parameter.data is the institution's consent page. A click opens it
   * in a new window (a popup needs the user's gesture; the poll that found the prompt has none);
   * the item moves on once the user decides there, and the poll in follow() picks that up.
   */
  function showOauth(/** @type {Item} */ item, /** @type {Flow} */ f) {
    const parameter = /** @type {Credential} */ (item.parameter);
    const url = parameter.data ?? '';
    if (screen.querySelector(`[data-oauth="${CSS.escape(url)}"]`)) return;
    const hint = h('p', { class: 'muted', 'data-oauth-status': true });
    hint.hidden = true;
    const expires = parameter.expiresAt ? new Date(parameter.expiresAt) : null;
    show(
      parameter.label || f.connector.name,
      null,
      h(
        'div',
        { class: 'status', 'data-oauth': url },
        h(
          'p',
          {},
          parameter.instructions || `Log in at ${f.connector.name} and authorize sharing your data.`,
        ),
        h(
          'button',
          {
            type: 'button',
            class: 'btn',
            onclick: () => {
              const opened = window.open(url, 'pluggy-oauth', 'popup,width=480,height=720');
              hint.textContent = opened
                ? `Waiting for your authorization at ${f.connector.name}…`
                : 'Your browser blocked the window; use the link below.';
              hint.hidden = false;
            },
          },
          `Go to ${f.connector.name}`,
        ),
        h('p', {}, h('a', { href: url, target: '_blank', rel: 'opener' }, 'Open the authorization page')),
        hint,
        expires && !Number.isNaN(expires.getTime())
          ? h('p', { class: 'hint' }, `Expires at ${expires.toLocaleTimeString()}.`)
          : null,
      ),
    );
  }

  /** 2-step MFA: render item.parameter and POST /items/{id}/mfa { [parameter.name]: value }. */
  function showMfa(/** @type {Item} */ item, /** @type {Flow} */ f) {
    const parameter = /** @type {Credential} */ (item.parameter);
    const field = makeField(parameter);
    const formError = h('p', { class: 'field-error', role: 'alert' });
    formError.hidden = true;
    const submit = /** @type {HTMLButtonElement} */ (
      h('button', { type: 'submit', class: 'btn' }, 'Continue')
    );
    const expires = parameter.expiresAt ? new Date(parameter.expiresAt) : null;
    const form = h(
      'form',
      {
        novalidate: true,
        onsubmit: async (/** @type {Event} */ e) => {
          e.preventDefault();
          if (!validateAll([field])) return;
          submit.disabled = true;
          emit('SUBMITTED_MFA');
          f.mfaSent = true;
          try {
            const next = await api('POST', `/items/${item.id}/mfa`, { [parameter.name]: field.input.value });
            await follow(next, f);
          } catch (err) {
            submit.disabled = false;
            formError.textContent = err instanceof Error ? err.message : String(err);
            formError.hidden = false;
          }
        },
      },
      h('p', { class: 'muted' }, `${f.connector.name} asks for one more step.`),
      field.node,
      expires && !Number.isNaN(expires.getTime())
        ? h('p', { class: 'hint' }, `Expires at ${expires.toLocaleTimeString()}.`)
        : null,
      formError,
      submit,
    );
    show(parameter.label || 'Verification', null, form);
    field.input.focus();
  }

  function succeeded(/** @type {Item} */ item) {
    callParent('onSuccessProp', { item });
    show(
      'Connected',
      null,
      h(
        'div',
        { class: 'status ok', 'data-result': 'success' },
        h('p', { class: 'big' }, `Connected to ${item.connector?.name ?? 'the institution'}`),
        h('p', { class: 'muted' }, 'Item ', h('code', {}, item.id)),
        h('button', { type: 'button', class: 'btn', onclick: closeWidget }, 'Done'),
      ),
    );
  }

  function failed(/** @type {Item} */ item, /** @type {Flow} */ f) {
    const code = item.error?.code || item.executionStatus || item.status;
    const message = item.error?.message || `Connection failed (${code})`;
    callParent('onErrorProp', { message, data: { item } });
    show(
      'Not connected',
      null,
      h(
        'div',
        { class: 'status failed', 'data-result': 'error' },
        h('p', { class: 'big' }, message),
        h('p', { class: 'muted' }, h('code', {}, code)),
        h(
          'button',
          { type: 'button', class: 'btn', onclick: () => showForm(f.connector, f.updating) },
          'Try again',
        ),
        h('button', { type: 'button', class: 'btn secondary', onclick: closeWidget }, 'Close'),
      ),
    );
  }

  backButton.addEventListener('click', () => backAction?.());
  closeButton.addEventListener('click', closeWidget);
  // The parent's Escape handler does not see keys typed inside this frame.
  document.addEventListener('keydown', (e) => e.key === 'Escape' && closeWidget());
  start();
})();
