export interface NoticeMessage {
  tone: 'error' | 'success' | 'info';
  text: string;
}

/** A message after an action: errors interrupt (alert), the rest are announced politely (status). */
export function Notice({ message }: { message: NoticeMessage | null }) {
  if (!message) return null;
  return (
    <p class={`notice notice-${message.tone}`} role={message.tone === 'error' ? 'alert' : 'status'}>
      {message.text}
    </p>
  );
}
