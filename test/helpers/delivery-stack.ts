import type { DeliveryDeps } from '../../activities/deliver-email';
import { templatesDir } from '../../app/services';
import { type DkimSettings, createSmtpMailer, type Mailer } from '../../mail/mailer';
import { createTemplateRenderer } from '../../mail/template-renderer';
import { createTestDatabase, type TestDatabase } from './database';
import { type MailCatcher, startMailCatcher } from './mail-catcher';
import { startWithTeardown } from './teardown';

export interface DeliveryStack {
  database: TestDatabase;
  smtp: MailCatcher;
  mailer: Mailer;
  /** What deliverEmail and the chain step need: the database, the mailer, the shipped templates, mail.example.com Message-IDs. */
  deps: DeliveryDeps;
  /** Closes the mailer and the mail catcher, and drops the database. */
  close(): Promise<void>;
}

/**
 * A fresh database and a real SMTP mailer sending to a mail catcher: everything a send needs.
 * `dkim`: the install's key (DKIM_*), which the mailer signs with.
 */
export function startDeliveryStack(options: { from?: string; dkim?: DkimSettings } = {}): Promise<DeliveryStack> {
  return startWithTeardown(async (teardown) => {
    const database = await createTestDatabase();
    teardown.add(() => database.drop());
    const smtp = await startMailCatcher();
    teardown.add(() => smtp.close());
    const mailer = createSmtpMailer({
      url: smtp.url,
      from: options.from ?? 'Shop <shop@mail.example.com>',
      ...(options.dkim ? { dkim: options.dkim } : {}),
    });
    teardown.add(() => mailer.close());
    const deps: DeliveryDeps = {
      db: database.db,
      mailer,
      templates: createTemplateRenderer({ dir: templatesDir }),
      messageIdDomain: 'mail.example.com',
    };
    return { database, smtp, mailer, deps, close: teardown.run };
  });
}
