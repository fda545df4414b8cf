/**
 * MockBank: the institution's side of an Open Finance consent, as Pluggy's sandbox shows it
 * (docs/pluggy.md#open-finance-sandbox). GET /mockbank/consent/:session renders a login + consent page; the
 * form posts back the credentials and the decision, which resumes the waiting execution. With an
 * `oauthRedirectUri` the browser is then sent there (302), otherwise it gets a page that says it
 * can close the window. Public routes: the session id in the URL is the only key.
 */
import type { SandboxContext } from '../context.ts';
import { MOCKBANK_PASSWORD, MOCKBANK_USER, type ConsentSession } from '../mockbank/sessions.ts';
import { Reply, type Router } from '../server.ts';

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function page(status: number, title: string, body: string): Reply {
  const html = `<!doctype html><html lang="pt-BR"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>${esc(title)} — MockBank</title>
<style>body{font-family:system-ui,sans-serif;max-width:26rem;margin:2rem auto;padding:0 1rem;color:#1c2b4b}
.banner{background:#fff3cd;padding:.4rem .6rem;border-radius:4px;font-size:.85rem}
label{display:block;margin:.8rem 0 .2rem}input{width:100%;padding:.5rem;box-sizing:border-box}
.actions{display:flex;gap:.5rem;margin-top:1rem}button{flex:1;padding:.6rem}
.error{color:#b00020}</style></head><body>
<p class="banner" role="note">MockBank — sandbox, not a real institution</p>
<h1>${esc(title)}</h1>
${body}
</body></html>`;
  return new Reply(status, html, 'text/html; charset=utf-8', { 'cache-control': 'no-store' });
}

function form(s: ConsentSession, error?: string): Reply {
  return page(
    error ? 401 : 200,
    'Autorizar compartilhamento',
    `<p>${esc(s.connectorName)} pede acesso aos seus dados (cadastro, contas, cartões, operações de crédito,
investimentos) pelo Open Finance.</p>
${error ? `<p class="error" role="alert" data-testid="mockbank-error">${esc(error)}</p>` : ''}
<form method="post" action="/mockbank/consent/${esc(s.id)}">
<label for="email">E-mail</label><input id="email" name="email" type="email" autocomplete="username" required>
<label for="password">Senha</label><input id="password" name="password" type="password" autocomplete="current-password" required>
<div class="actions">
<button type="submit" name="decision" value="approve">Autorizar</button>
<button type="submit" name="decision" value="deny" formnovalidate>Negar</button>
</div></form>`,
  );
}

function closed(s: ConsentSession): Reply {
  const what =
    s.state === 'approved'
      ? s.multipleApproval
        ? 'Sua autorização foi registrada. Esta conta exige a aprovação de outros responsáveis (múltipla alçada): o resultado chega ao aplicativo.'
        : 'Autorização concedida.'
      : s.state === 'denied'
        ? 'Autorização negada.'
        : 'Este pedido de consentimento não está mais aberto (expirou ou foi cancelado).';
  return page(
    s.state === 'closed' ? 410 : 200,
    s.state === 'approved' ? 'Pronto' : s.state === 'denied' ? 'Negado' : 'Pedido encerrado',
    `<p data-testid="mockbank-result" data-state="${s.state}">${esc(what)}</p>
<p>Você pode fechar esta janela e voltar ao aplicativo.</p>`,
  );
}

/** The redirect back to the app: `code`/`state` on approval, `error=access_denied` on denial (unverified names). */
function redirectTo(uri: string, s: ConsentSession): string {
  const url = new URL(uri);
  if (s.state === 'approved') url.searchParams.set('code', s.id);
  else url.searchParams.set('error', 'access_denied');
  url.searchParams.set('state', s.itemId);
  return url.toString();
}

export function mockbankRoutes(router: Router, ctx: SandboxContext): void {
  const notFound = () => page(404, 'Pedido não encontrado', '<p>Este link de consentimento não existe.</p>');

  router.add('GET', '/mockbank/consent/:id', 'public', ({ params }) => {
    const s = ctx.consents.get(params.id ?? '');
    if (!s) return notFound();
    return s.state === 'open' ? form(s) : closed(s);
  });

  router.add('POST', '/mockbank/consent/:id', 'public', ({ params, body }) => {
    const s = ctx.consents.get(params.id ?? '');
    if (!s) return notFound();
    if (s.state !== 'open') return closed(s);
    const b = (body && typeof body === 'object' ? body : {}) as Record<string, unknown>;
    const decision = b.decision === 'deny' ? 'denied' : b.decision === 'approve' ? 'approved' : null;
    if (!decision) return form(s, 'Escolha Autorizar ou Negar.');
    // Denying needs no login (the user may just back out); approving does.
    if (decision === 'approved' && (b.email !== MOCKBANK_USER || b.password !== MOCKBANK_PASSWORD)) {
      return form(s, 'E-mail ou senha inválidos.');
    }
    if (!ctx.consents.decide(s.id, decision)) return closed(s);
    if (s.redirectUri) {
      try {
        return new Reply(302, '', 'text/plain; charset=utf-8', { location: redirectTo(s.redirectUri, s) });
      } catch {
        // Not an absolute URL (the sandbox does not police oauthRedirectUri): show the page instead.
      }
    }
    return closed(s);
  });
}
