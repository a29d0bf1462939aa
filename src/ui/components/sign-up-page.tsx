import { useId, useState } from 'preact/hooks';
import { ApiError, api } from '../api.js';
import { formText } from '../form-text.js';
import { describeError } from '../messages.js';
import { navigate } from '../router.js';
import { startSession } from '../session.js';
import { Notice, type NoticeMessage } from './notice.js';
import { PageHeading } from './page-heading.js';

const PASSWORD_MIN = 10;

export function SignUpPage({ next }: { next: string | null }) {
  const id = useId();
  const [message, setMessage] = useState<NoticeMessage | null>(null);
  const [exists, setExists] = useState(false);
  const [pending, setPending] = useState(false);

  const submit = async (submitted: SubmitEvent) => {
    submitted.preventDefault();
    const form = new FormData(submitted.currentTarget as HTMLFormElement);
    const email = formText(form, 'email').trim();
    const password = formText(form, 'password');
    const name = formText(form, 'name').trim();
    setPending(true);
    setMessage(null);
    setExists(false);
    try {
      await api.signUp(name ? { email, password, name } : { email, password });
      startSession((await api.signIn(email, password)).session);
      navigate(next ?? '/', { replace: true });
    } catch (error) {
      setExists(error instanceof ApiError && error.code === 'USER_EXISTS');
      setMessage({ tone: 'error', text: describeError(error, 'sign-up') });
      setPending(false);
    }
  };

  const signInLink = next ? `/sign-in?next=${encodeURIComponent(next)}` : '/sign-in';
  return (
    <section class="card narrow">
      <PageHeading title="Create an account" />
      <form onSubmit={(submitted) => void submit(submitted)} class="stack">
        <div class="field">
          <label for={`${id}-name`}>
            Your name <span class="optional">(optional)</span>
          </label>
          <input id={`${id}-name`} name="name" autoComplete="name" maxLength={200} />
        </div>
        <div class="field">
          <label for={`${id}-email`}>E-mail address</label>
          <input
            id={`${id}-email`}
            name="email"
            type="email"
            autoComplete="email"
            autoCapitalize="none"
            spellcheck={false}
            required
            maxLength={128}
          />
        </div>
        <div class="field">
          <label for={`${id}-password`}>Password</label>
          <input
            id={`${id}-password`}
            name="password"
            type="password"
            autoComplete="new-password"
            required
            minLength={PASSWORD_MIN}
            aria-describedby={`${id}-password-hint`}
          />
          <p id={`${id}-password-hint`} class="hint">
            At least {PASSWORD_MIN} characters.
          </p>
        </div>
        <Notice message={message} />
        {exists && (
          <p>
            <a href={signInLink}>Sign in with this address</a>
          </p>
        )}
        <button type="submit" class="button button-primary button-block" disabled={pending}>
          {pending ? 'Creating your account…' : 'Create account'}
        </button>
      </form>
      <p class="switch-account">
        Already have an account? <a href={signInLink}>Sign in</a>
      </p>
    </section>
  );
}
