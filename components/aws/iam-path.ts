/**
 * The IAM path of every role, managed policy and user Foundation creates. The deploy role may write IAM identities
 * under this path only (stacks/aws/index.ts `deployPolicy`), so a pipeline cannot touch the account's other roles,
 * and an IAM path cannot be changed in place: moving an identity here replaces it.
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_identifiers.html#identifiers-friendly-names
 */
export const FOUNDATION_IAM_PATH = "/foundation/";
