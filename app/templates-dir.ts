import { fileURLToPath } from 'node:url';

/** The install's templates folder; its own module so that CLIs can name it without loading the services. */
export const templatesDir = fileURLToPath(new URL('../templates', import.meta.url));
