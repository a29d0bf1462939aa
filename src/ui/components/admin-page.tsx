import { useCallback, useEffect, useId, useState } from 'preact/hooks';
import { AUDIT_ACTIONS } from '../../domain/audit.js';
import { type Delivery, type Webhook, api } from '../api.js';
import { formText } from '../form-text.js';
import { formatInstant } from '../format.js';
import { describeError } from '../messages.js';
import { Notice, type NoticeMessage } from './notice.js';
import { PageHeading } from './page-heading.js';

/** The organizer gives door staff their role (and takes it back); it applies from their next sign-in. */
function StaffForm() {
  const id = useId();
  const [message, setMessage] = useState<NoticeMessage | null>(null);
  const [pending, setPending] = useState(false);

  const submit = async (submitted: SubmitEvent) => {
    submitted.preventDefault();
    const form = new FormData(submitted.currentTarget as HTMLFormElement);
    const userId = formText(form, 'userId').trim().toLowerCase();
    const role = formText(form, 'role') === 'user' ? 'user' : 'staff';
    setPending(true);
    setMessage(null);
    try {
      const { user } = await api.setRole(userId, role);
      setMessage({
        tone: 'success',
        text:
          role === 'staff'
            ? `${user.id} is now door staff. They can check tickets in after their next sign-in.`
            : `${user.id} is an ordinary user again.`,
      });
    } catch (error) {
      setMessage({ tone: 'error', text: describeError(error, 'manage') });
    } finally {
      setPending(false);
    }
  };

  return (
    <section class="card" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>Door staff</h2>
      <p class="muted">Staff can check tickets in and read and download attendee lists; nothing else.</p>
      <form class="inline-form" onSubmit={(submitted) => void submit(submitted)}>
        <div class="field field-grow">
          <label for={`${id}-user`}>Their e-mail address</label>
          <input
            id={`${id}-user`}
            name="userId"
            type="email"
            required
            autoComplete="off"
            autoCapitalize="none"
            spellcheck={false}
            maxLength={128}
          />
        </div>
        <div class="field">
          <label for={`${id}-role`}>Role</label>
          <select id={`${id}-role`} name="role" defaultValue="staff">
            <option value="staff">Staff</option>
            <option value="user">User</option>
          </select>
        </div>
        <button type="submit" class="button button-primary" disabled={pending}>
          Set role
        </button>
      </form>
      <Notice message={message} />
    </section>
  );
}

function Deliveries({ webhook }: { webhook: Webhook }) {
  const [deliveries, setDeliveries] = useState<Delivery[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const load = useCallback(() => {
    api.deliveries(webhook.id).then((page) => {
      setDeliveries(page.deliveries);
      setError(null);
    }, setError);
  }, [webhook.id]);
  useEffect(load, [load]);
  return (
    <div class="deliveries">
      <p class="actions">
        <button type="button" class="button button-quiet" onClick={load}>
          Refresh deliveries
        </button>
      </p>
      {error !== null && (
        <p class="notice notice-error" role="alert">
          {describeError(error, 'load')}
        </p>
      )}
      {deliveries !== null && deliveries.length === 0 && <p class="muted">No deliveries yet.</p>}
      {deliveries !== null && deliveries.length > 0 && (
        <div class="table-scroll" tabIndex={0} role="region" aria-label={`Recent deliveries to ${webhook.url}`}>
          <table class="table-stack">
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">Entry</th>
                <th scope="col">Attempt</th>
                <th scope="col">Result</th>
              </tr>
            </thead>
            <tbody>
              {deliveries.map((delivery) => (
                <tr key={`${delivery.seq}-${delivery.attempt}`}>
                  <td data-label="When" class="cell-nowrap">
                    {formatInstant(delivery.at)}
                  </td>
                  <td data-label="Entry">
                    #{delivery.seq} {delivery.action}
                  </td>
                  <td data-label="Attempt">{delivery.attempt}</td>
                  <td data-label="Result">
                    {delivery.statusCode !== null && delivery.statusCode >= 200 && delivery.statusCode < 300 ? (
                      <span class="badge badge-open">Delivered ({delivery.statusCode})</span>
                    ) : (
                      <span class="badge badge-danger">
                        {delivery.statusCode !== null ? `HTTP ${delivery.statusCode}` : (delivery.error ?? 'Failed')}
                      </span>
                    )}
                    {delivery.durationMs !== null && <span class="muted"> {delivery.durationMs} ms</span>}
                    {delivery.nextAttemptAt && <span class="muted"> · retry {formatInstant(delivery.nextAttemptAt)}</span>}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}

function WebhookItem({ webhook, onDeleted }: { webhook: Webhook; onDeleted: () => void }) {
  const [open, setOpen] = useState(false);
  const [message, setMessage] = useState<NoticeMessage | null>(null);
  const [confirmDelete, setConfirmDelete] = useState(false);

  const sendTest = async () => {
    setMessage(null);
    try {
      const test = await api.testWebhook(webhook.id);
      const answer = test.statusCode !== null ? `HTTP ${test.statusCode}` : (test.error ?? 'no answer');
      setMessage(
        test.delivered
          ? { tone: 'success', text: `Test delivered: the receiver answered ${answer} in ${test.durationMs} ms.` }
          : {
              tone: 'error',
              text: `Test not delivered: ${answer} after ${test.durationMs} ms. Check the address and that the receiver answers 2xx.`,
            },
      );
    } catch (error) {
      setMessage({ tone: 'error', text: describeError(error, 'manage') });
    }
  };

  const remove = async () => {
    setMessage(null);
    try {
      await api.deleteWebhook(webhook.id);
      onDeleted();
    } catch (error) {
      setMessage({ tone: 'error', text: describeError(error, 'manage') });
      setConfirmDelete(false);
    }
  };

  return (
    <li class="webhook">
      <p class="webhook-url">{webhook.url}</p>
      <p class="muted">
        {webhook.actions && webhook.actions.length > 0 ? webhook.actions.join(', ') : 'Every change'} · since{' '}
        {formatInstant(webhook.createdAt)}
      </p>
      <p class="actions">
        <button type="button" class="button button-secondary" aria-expanded={open} onClick={() => setOpen(!open)}>
          {open ? 'Hide deliveries' : 'Recent deliveries'}
        </button>
        <button type="button" class="button button-secondary" onClick={() => void sendTest()}>
          Send test
        </button>
        {confirmDelete ? (
          <>
            <button type="button" class="button button-danger" onClick={() => void remove()}>
              Yes, delete it
            </button>
            <button type="button" class="button button-quiet" onClick={() => setConfirmDelete(false)}>
              Keep it
            </button>
          </>
        ) : (
          <button type="button" class="button button-danger" onClick={() => setConfirmDelete(true)}>
            Delete
          </button>
        )}
      </p>
      <Notice message={message} />
      {open && <Deliveries webhook={webhook} />}
    </li>
  );
}

/** Webhooks: where every change is POSTed, signed; the secret is shown once, at creation. */
function Webhooks() {
  const id = useId();
  const [webhooks, setWebhooks] = useState<Webhook[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [message, setMessage] = useState<NoticeMessage | null>(null);
  const [secret, setSecret] = useState<{ url: string; secret: string } | null>(null);
  const [pending, setPending] = useState(false);

  const load = useCallback(() => {
    api.webhooks().then((answer) => {
      setWebhooks(answer.webhooks);
      setError(null);
    }, setError);
  }, []);
  useEffect(load, [load]);

  const create = async (submitted: SubmitEvent) => {
    submitted.preventDefault();
    const formElement = submitted.currentTarget as HTMLFormElement;
    const form = new FormData(formElement);
    const chosen = form.getAll('actions').map(String);
    setPending(true);
    setMessage(null);
    setSecret(null);
    try {
      const created = await api.createWebhook(formText(form, 'url').trim(), chosen.length > 0 ? chosen : undefined);
      setSecret({ url: created.webhook.url, secret: created.secret });
      formElement.reset();
      load();
    } catch (failure) {
      setMessage({ tone: 'error', text: describeError(failure, 'manage') });
    } finally {
      setPending(false);
    }
  };

  return (
    <section class="card" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>Webhooks</h2>
      <p class="muted">Every change is POSTed as JSON to these addresses, signed with the Standard Webhooks scheme.</p>
      <form class="stack" onSubmit={(submitted) => void create(submitted)}>
        <div class="field">
          <label for={`${id}-url`}>Address (URL)</label>
          <input
            id={`${id}-url`}
            name="url"
            type="url"
            required
            placeholder="https://example.com/hooks/boxoffice"
            autoComplete="off"
            spellcheck={false}
          />
        </div>
        <fieldset class="action-choices">
          <legend>Changes to send (none ticked: all)</legend>
          {AUDIT_ACTIONS.map((action) => (
            <label key={action} class="check">
              <input type="checkbox" name="actions" value={action} /> {action}
            </label>
          ))}
        </fieldset>
        <p>
          <button type="submit" class="button button-primary" disabled={pending}>
            Add webhook
          </button>
        </p>
      </form>
      <Notice message={message} />
      {secret && (
        <div class="notice notice-success secret" role="status">
          <p>
            Webhook for {secret.url} added. Its signing secret is shown <strong>only this once</strong>: copy it into the receiving system
            now.
          </p>
          <p>
            <code class="secret-value" data-webhook-secret>
              {secret.secret}
            </code>
          </p>
        </div>
      )}
      {error !== null && (
        <p class="notice notice-error" role="alert">
          {describeError(error, 'load')}
        </p>
      )}
      {webhooks !== null && webhooks.length === 0 && <p class="muted">No webhooks yet.</p>}
      {webhooks !== null && webhooks.length > 0 && (
        <ul class="webhooks">
          {webhooks.map((webhook) => (
            <WebhookItem key={webhook.id} webhook={webhook} onDeleted={load} />
          ))}
        </ul>
      )}
    </section>
  );
}

export function AdminPage() {
  return (
    <>
      <div class="page-intro">
        <PageHeading title="Administration" />
        <p class="lede">Door staff and the systems that hear about every change.</p>
      </div>
      <StaffForm />
      <Webhooks />
    </>
  );
}
