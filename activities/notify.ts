import type { ActivityDeps } from './deps';

export type NotificationEvent =
  | 'gate-opened'
  | 'reminder'
  | 'approved'
  | 'rejected'
  | 'expired'
  | 'failed'
  /** The run was cancelled; the message lists what it undid and what it left (with the commands). */
  | 'canceled'
  | 'completed'
  /** schemaDriftWatch found a change that needs a person's look (review or unsafe). */
  | 'drift-detected';

export interface Notification {
  event: NotificationEvent;
  kind: string;
  workflowId: string;
  target: string;
  gate?: string;
  markdown: string;
}

/** Slack-compatible incoming-webhook messages. Never throws: a broken webhook must not fail a runbook. */
export function notifyActivities(deps: ActivityDeps) {
  return {
    async notify(notification: Notification): Promise<{ delivered: boolean; detail: string }> {
      const url = deps.config.notifications.webhookUrl;
      if (!url) return { delivered: false, detail: 'no webhook configured' };
      const title = `*${notification.kind}* \`${notification.target}\` — ${notification.event} (workflow \`${notification.workflowId}\`)`;
      const body = {
        text: `${title}\n${notification.markdown}`,
        blocks: [
          { type: 'section', text: { type: 'mrkdwn', text: title } },
          { type: 'section', text: { type: 'mrkdwn', text: notification.markdown.slice(0, 2900) } },
        ],
        // Extra fields are ignored by Slack and let other receivers route without parsing text.
        dms_runbooks: {
          event: notification.event,
          kind: notification.kind,
          workflowId: notification.workflowId,
          target: notification.target,
          gate: notification.gate,
        },
      };
      try {
        const response = await fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(body),
          signal: AbortSignal.timeout(10000),
        });
        if (!response.ok) {
          deps.logger.warn({ status: response.status, event: notification.event }, 'webhook answered an error');
          return { delivered: false, detail: `webhook answered HTTP ${response.status}` };
        }
        return { delivered: true, detail: `HTTP ${response.status}` };
      } catch (error) {
        deps.logger.warn({ err: (error as Error).message, event: notification.event }, 'webhook unreachable');
        return { delivered: false, detail: (error as Error).message };
      }
    },
  };
}
