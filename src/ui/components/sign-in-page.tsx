import { useId, useRef, useState } from 'preact/hooks';
import { api } from '../api.js';
import { describeError } from '../messages.js';
import { navigate } from '../router.js';
import { startSession } from '../session.js';
import { Notice, type NoticeMessage } from './notice.js';
import { PageHeading } from './page-heading.js';

export function SignInPage({ next }: { next: string | null }) {
  const id = useId();
  const [message, setMessage] = useState<NoticeMessage | null>(null);
  const [pending, setPending] = useState(false);
  const password = useRef<HTMLInputElement>(null);

  const submit = async (submitted: SubmitEvent) => {
    submitted.preventDefault();
    const form = new FormData(submitted.currentTarget as HTMLFormElement);
    setPending(true);
    setMessage(null);
    try {
      startSession((await api.signIn(String(form.get('email') ?? '').trim(), String(form.get('password') ?? ''))).session);
      navigate(next ?? '/', { replace: true });
    } catch (error) {
      setMessage({ tone: 'error', text: describeError(error, 'sign-in') });
      setPending(false);
      password.current?.select();
    }
  };

  const signUpLink = next ? `/sign-up?next=${encodeURIComponent(next)}` : '/sign-up';
  return (
    <section class="card narrow">
      <PageHeading title="Sign in" />
      <form onSubmit={submit} class="stack">
        <div class="field">
          <label for={`${id}-email`}>E-mail address</label>
          <input
            id={`${id}-email`}
            name="email"
            type="text"
            inputMode="email"
            autoComplete="username"
            autoCapitalize="none"
            spellcheck={false}
            required
            aria-describedby={`${id}-email-hint`}
          />
          <p id={`${id}-email-hint`} class="hint">
            Organizers sign in with their admin user name.
          </p>
        </div>
        <div class="field">
          <label for={`${id}-password`}>Password</label>
          <input id={`${id}-password`} ref={password} name="password" type="password" autoComplete="current-password" required />
        </div>
        <Notice message={message} />
        <button type="submit" class="button button-primary button-block" disabled={pending}>
          {pending ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
      <p class="switch-account">
        New here? <a href={signUpLink}>Create an account</a>
      </p>
    </section>
  );
}
