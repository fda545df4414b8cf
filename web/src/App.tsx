import { useCallback, useEffect, useRef, useState } from 'react';
import { type ConnectEventPayload, PluggyConnect } from 'react-pluggy-connect';
import { ApiError, getProgress, openSession, type Progress, reportItem, type Session } from './api.ts';
import { type Lang, langFromUrl, MESSAGES, type Messages } from './i18n.ts';
import { Results } from './Results.tsx';

/** Pluggy's widget must show itself within this; after it the person gets a message and a retry button. */
const LOAD_TIMEOUT_MS = 30_000;
const POLL_MS = 2_500;
/** Past this the first sync is still running: say so rather than spin forever (the job goes on). */
const SYNC_PATIENCE_MS = 3 * 60_000;

type FailureReason =
  | 'noLink'
  | 'expired'
  | 'tampered'
  | 'otherLink'
  | 'tokenFailed'
  | 'rateLimited'
  | 'loadTimeout'
  | 'loadFailed'
  | 'closed'
  | 'reportFailed'
  | 'syncFailed'
  | 'wrongCredentials'
  | 'consentDenied'
  | 'connectError';

type Phase =
  | { kind: 'starting' }
  | { kind: 'failed'; reason: FailureReason; detail?: string; retry?: () => void }
  | { kind: 'widget'; session: Session; attempt: number }
  | { kind: 'syncing'; itemId: string }
  | { kind: 'done'; itemId: string; progress: Progress };

/** What the widget's callbacks last told us, shown beside it (and announced). */
type Notice =
  | {
      tone: 'info';
      key: 'openingConnect' | 'connectOpen' | 'submitted' | 'loggedIn' | 'userAction' | 'oauth';
    }
  | { tone: 'info'; key: 'selected'; name: string }
  | { tone: 'error'; key: 'wrongCredentials' | 'consentDenied' }
  | { tone: 'error'; key: 'connectError'; detail: string };

const LINK_FAILURES: Record<string, FailureReason> = {
  'link-expired': 'expired',
  'link-tampered': 'tampered',
  'link-malformed': 'tampered',
  'link-wrong-purpose': 'otherLink',
  'item-not-found': 'otherLink',
};

function failureOf(err: unknown): FailureReason {
  if (err instanceof ApiError) {
    if (err.status === 429) return 'rateLimited';
    const known = LINK_FAILURES[err.code];
    if (known) return known;
  }
  return 'tokenFailed';
}

const CREDENTIAL_ERRORS = new Set(['INVALID_CREDENTIALS', 'INVALID_CREDENTIALS_MFA']);

/** The service writes its WhatsApp number into the page it serves, so even a dead link can send people back. */
function whatsappFromPage(): string | undefined {
  const number = document.querySelector<HTMLMetaElement>('meta[name="whatsapp-number"]')?.content ?? '';
  return /^\d{8,15}$/.test(number) ? `https://wa.me/${number}` : undefined;
}

export function App() {
  const [lang, setLang] = useState<Lang>(() => langFromUrl(location.search));
  const t: Messages = MESSAGES[lang];
  const link = useRef(new URLSearchParams(location.search).get('link') ?? '').current;
  const [phase, setPhase] = useState<Phase>({ kind: 'starting' });
  const [notice, setNotice] = useState<Notice | null>(null);
  const noticeRef = useRef(notice);
  noticeRef.current = notice;
  const whatsappUrl = useRef(whatsappFromPage()).current;
  const [session, setSession] = useState<Session | undefined>();
  // The widget reads its props once, at mount: its callbacks must reach the current state through refs.
  const phaseRef = useRef(phase);
  phaseRef.current = phase;
  const langRef = useRef(lang);
  langRef.current = lang;
  /** The language of the category names on screen (they come from the API). */
  const shownLang = useRef(lang);
  const loaded = useRef(false);
  const attempts = useRef(0);
  const heading = useRef<HTMLHeadingElement>(null);

  useEffect(() => {
    document.documentElement.lang = lang === 'en' ? 'en' : 'pt-BR';
    document.title = t.title;
  }, [lang, t.title]);

  // Each new screen moves focus to the heading, so a screen reader reads the new state from the top.
  // biome-ignore lint/correctness/useExhaustiveDependencies: runs on every change of phase kind
  useEffect(() => {
    heading.current?.focus();
  }, [phase.kind]);

  const start = useCallback(async () => {
    if (!link) {
      setPhase({ kind: 'failed', reason: 'noLink' });
      return;
    }
    setPhase({ kind: 'starting' });
    setNotice(null);
    try {
      const s = await openSession(link);
      setSession(s);
      loaded.current = false;
      setNotice({ tone: 'info', key: 'openingConnect' });
      // A new connect token means a new widget: the key remounts it (it reads its props only at mount).
      attempts.current += 1;
      setPhase({ kind: 'widget', session: s, attempt: attempts.current });
    } catch (err) {
      const reason = failureOf(err);
      const linkDead = reason === 'expired' || reason === 'tampered' || reason === 'otherLink';
      setPhase({ kind: 'failed', reason, ...(linkDead ? {} : { retry: () => void start() }) });
    }
  }, [link]);

  useEffect(() => {
    void start();
  }, [start]);

  const attempt = phase.kind === 'widget' ? phase.attempt : 0;
  useEffect(() => {
    if (!attempt) return;
    const timer = setTimeout(() => {
      const p = phaseRef.current;
      if (!loaded.current && p.kind === 'widget' && p.attempt === attempt) {
        setNotice(null);
        setPhase({ kind: 'failed', reason: 'loadTimeout', retry: () => void start() });
      }
    }, LOAD_TIMEOUT_MS);
    return () => clearTimeout(timer);
  }, [attempt, start]);

  const markLoaded = () => {
    if (loaded.current) return;
    loaded.current = true;
    setNotice((n) => (n?.key === 'openingConnect' ? { tone: 'info', key: 'connectOpen' } : n));
  };

  const follow = useCallback(
    async (itemId: string) => {
      setNotice(null);
      setPhase({ kind: 'syncing', itemId });
      let before: string | null | undefined;
      try {
        // The item's last sync before ours: in update mode the item already has one.
        before = (await getProgress(link, langRef.current)).items.find(
          (i) => i.id === itemId,
        )?.lastSuccessfulSyncAt;
        await reportItem(link, itemId);
      } catch (err) {
        const reason = failureOf(err);
        setPhase({
          kind: 'failed',
          reason: reason === 'tokenFailed' ? 'reportFailed' : reason,
          retry: () => void follow(itemId),
        });
        return;
      }
      const began = Date.now();
      for (;;) {
        await new Promise((r) => setTimeout(r, POLL_MS));
        if (phaseRef.current.kind !== 'syncing') return;
        try {
          shownLang.current = langRef.current;
          const progress = await getProgress(link, shownLang.current);
          const item = progress.items.find((i) => i.id === itemId);
          if (item?.lastSuccessfulSyncAt && item.lastSuccessfulSyncAt !== before && !item.syncRunning) {
            setPhase({ kind: 'done', itemId, progress });
            return;
          }
        } catch (err) {
          const reason = failureOf(err);
          if (reason !== 'tokenFailed' && reason !== 'rateLimited') {
            setPhase({ kind: 'failed', reason });
            return;
          }
        }
        if (Date.now() - began > SYNC_PATIENCE_MS) {
          setPhase({ kind: 'failed', reason: 'syncFailed' });
          return;
        }
      }
    },
    [link],
  );

  // Category names come from the API in the page's language: a switch after the fact asks again.
  const doneItem = phase.kind === 'done' ? phase.itemId : undefined;
  useEffect(() => {
    if (!doneItem || shownLang.current === lang) return;
    shownLang.current = lang;
    getProgress(link, lang).then(
      (progress) => setPhase((p) => (p.kind === 'done' ? { ...p, progress } : p)),
      () => undefined, // the figures already shown stay; only their category names keep the old language
    );
  }, [doneItem, lang, link]);

  const onEvent = (payload: ConnectEventPayload) => {
    markLoaded();
    switch (payload.event) {
      case 'SELECTED_INSTITUTION':
        setNotice(
          payload.connector ? { tone: 'info', key: 'selected', name: String(payload.connector.name) } : null,
        );
        break;
      case 'SUBMITTED_LOGIN':
      case 'SUBMITTED_MFA':
      case 'SUBMITTED_CONSENT':
        setNotice({ tone: 'info', key: 'submitted' });
        break;
      case 'LOGIN_SUCCESS':
      case 'LOGIN_MFA_SUCCESS':
      case 'LOGIN_STEP_COMPLETED':
        setNotice({ tone: 'info', key: 'loggedIn' });
        break;
      case 'ITEM_RESPONSE': {
        const item = payload.item as { status?: string; parameter?: { type?: string } | null };
        if (item.status === 'WAITING_USER_ACTION') setNotice({ tone: 'info', key: 'userAction' });
        else if (item.status === 'WAITING_USER_INPUT' && item.parameter?.type === 'oauth') {
          setNotice({ tone: 'info', key: 'oauth' });
        }
        break;
      }
      default:
        // Names this page does not know change nothing on screen (docs/pluggy.md#connect-widget).
        break;
    }
  };

  const onError = (error: { message: string; data?: { item: { executionStatus?: string } } }) => {
    markLoaded();
    const status = error.data?.item?.executionStatus ?? '';
    if (CREDENTIAL_ERRORS.has(status)) setNotice({ tone: 'error', key: 'wrongCredentials' });
    else if (status === 'USER_AUTHORIZATION_NOT_GRANTED') setNotice({ tone: 'error', key: 'consentDenied' });
    else setNotice({ tone: 'error', key: 'connectError', detail: error.message });
  };

  const onClose = () => {
    // Closing after success is the widget's own "Done"; only a close mid-way is news.
    if (phaseRef.current.kind !== 'widget') return;
    // On a phone the widget covers the page: its last error becomes the page's message once it closes.
    const last = noticeRef.current;
    const retry = () => void start();
    setNotice(null);
    if (last?.tone === 'error') {
      setPhase({
        kind: 'failed',
        reason: last.key,
        ...(last.key === 'connectError' ? { detail: last.detail } : {}),
        retry,
      });
    } else {
      setPhase({ kind: 'failed', reason: 'closed', retry });
    }
  };

  const toggleLang = () => {
    const next: Lang = lang === 'pt' ? 'en' : 'pt';
    const url = new URL(location.href);
    url.searchParams.set('lang', next);
    history.replaceState(null, '', url);
    setLang(next);
  };

  const noticeText = (n: Notice): string => {
    if (n.key === 'selected') return t.selected(n.name);
    if (n.key === 'connectError') return `${t.connectError}: ${n.detail}`;
    return t[n.key];
  };

  let title = t.title;
  let body: React.ReactNode = null;
  switch (phase.kind) {
    case 'starting':
      body = <p className="status">{t.loading}</p>;
      break;
    case 'failed':
      title = phase.detail ? `${t[phase.reason]}: ${phase.detail}` : t[phase.reason];
      body = phase.retry ? (
        <button type="button" className="btn" onClick={phase.retry}>
          {phase.reason === 'closed' ? t.reopen : t.retry}
        </button>
      ) : null;
      break;
    case 'widget':
      body = (
        <>
          {phase.session.mode === 'update' ? <p>{t.updateMode}</p> : null}
          <PluggyConnect
            key={phase.attempt}
            connectToken={phase.session.connectToken}
            includeSandbox={phase.session.includeSandbox}
            language={lang}
            {...(phase.session.widgetUrl ? { url: phase.session.widgetUrl } : {})}
            {...(phase.session.mode === 'update' && phase.session.itemId
              ? { updateItem: phase.session.itemId }
              : {})}
            // Loaded = the widget's own page answered (init resolved, or it spoke). Not onOpen: the SDK
            // calls it as soon as it shows its spinner overlay, before the widget's page has loaded.
            innerRef={(ref) => ref && markLoaded()}
            onLoadError={() => {
              if (phaseRef.current.kind === 'widget') {
                setPhase({ kind: 'failed', reason: 'loadFailed', retry: () => void start() });
              }
            }}
            onEvent={onEvent}
            onError={onError}
            onClose={onClose}
            onSuccess={({ item }) => void follow(String(item.id))}
          />
          {phase.attempt > 0 && notice?.tone === 'error' ? (
            <button type="button" className="btn secondary" onClick={() => void start()}>
              {t.retry}
            </button>
          ) : null}
        </>
      );
      break;
    case 'syncing':
      title = t.syncing;
      body = <div className="spinner" aria-hidden="true" />;
      break;
    case 'done':
      title = t.done;
      body = <Results t={t} progress={phase.progress} itemId={phase.itemId} />;
      break;
  }

  const finished = phase.kind === 'done' || phase.kind === 'failed';
  return (
    <>
      <header className="bar">
        <span className="brand">{t.title}</span>
        <button
          type="button"
          className="link-btn"
          onClick={toggleLang}
          aria-label={t.switchToLabel}
          lang={lang === 'pt' ? 'en' : 'pt-BR'}
        >
          {t.switchTo}
        </button>
      </header>
      <main
        data-phase={phase.kind}
        data-reason={phase.kind === 'failed' ? phase.reason : undefined}
        data-mode={session?.mode}
      >
        <h1 ref={heading} tabIndex={-1} className={phase.kind === 'failed' ? 'error-title' : undefined}>
          {title}
        </h1>
        {phase.kind === 'widget' || notice ? (
          <p
            className={`notice ${notice?.tone ?? 'info'}`}
            role={notice?.tone === 'error' ? 'alert' : 'status'}
            data-notice={notice?.key}
          >
            {notice ? noticeText(notice) : ''}
          </p>
        ) : null}
        {body}
        {finished && whatsappUrl ? (
          <a className="btn whatsapp" href={whatsappUrl}>
            {t.backToWhatsApp}
          </a>
        ) : null}
      </main>
    </>
  );
}
