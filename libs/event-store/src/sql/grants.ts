import { SCHEMA } from './schema';

const APPEND_SIGNATURE = `${SCHEMA}.append(text, bigint, text, uuid[], text[], integer[], text[], text[], timestamptz[], text[], boolean)`;
const APPEND_ONE_SIGNATURE = `${SCHEMA}.append_one(text, bigint, text, uuid, text, integer, text, text, timestamptz, boolean)`;
const SEAL_SIGNATURE = `${SCHEMA}.seal(boolean)`;

/**
 * Production grants for the role services log in as. It reads everything, writes events only
 * through event_store.append(), append_one() and seal() (SECURITY DEFINER, owned by the schema
 * owner), and can neither change nor delete a row nor switch a trigger off (only the owner can).
 * Run as the schema owner after the migrations; docs/event-store.md explains the roles.
 */
export function serviceRoleGrants(role: string): string {
  const quoted = `"${role.replace(/"/g, '""')}"`;
  return `
GRANT USAGE ON SCHEMA ${SCHEMA} TO ${quoted};
GRANT SELECT ON ALL TABLES IN SCHEMA ${SCHEMA} TO ${quoted};
GRANT INSERT, UPDATE ON ${SCHEMA}.projection_checkpoints TO ${quoted};
GRANT INSERT ON ${SCHEMA}.checkpoints TO ${quoted};
REVOKE ALL ON FUNCTION ${APPEND_SIGNATURE}, ${APPEND_ONE_SIGNATURE}, ${SEAL_SIGNATURE} FROM PUBLIC;
GRANT EXECUTE ON FUNCTION ${APPEND_SIGNATURE}, ${APPEND_ONE_SIGNATURE}, ${SEAL_SIGNATURE} TO ${quoted};
`;
}
