import { readFile } from 'node:fs/promises';
import path from 'node:path';

/**
 * The admin token and CA a service keeps in `<data-dir>/pki`, for `smc admin` commands;
 * `owner` names whose folder it should be in the error ("the server's", "the connector's").
 */
export async function readAdminCredentials(
  dataDir: string,
  owner: string,
): Promise<{ token: string; ca: string }> {
  const pki = path.join(dataDir, 'pki');
  const [token, ca] = await Promise.all([
    readFile(path.join(pki, 'admin.token'), 'utf8'),
    readFile(path.join(pki, 'ca.pem'), 'utf8'),
  ]).catch((error: Error) => {
    throw new Error(
      `cannot read the admin token or CA in ${pki} (${error.message}); is --data-dir ${owner}?`,
    );
  });
  return { token: token.trim(), ca };
}
