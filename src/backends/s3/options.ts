// The options of an s3: location (the repository's `options` in strongbox.yaml), as a zod schema. Loading
// this module loads no AWS code: the registry checks options before it imports the driver.
import * as z from 'zod';
import { DURATION_HELP, tryParseDuration } from '../../util/duration.js';

const envName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be an environment variable name');
const duration = z.string().refine((s) => (tryParseDuration(s) ?? 0) > 0, `a positive duration: ${DURATION_HELP}`);

export const S3_STORAGE_CLASSES = [
  'STANDARD',
  'STANDARD_IA',
  'ONEZONE_IA',
  'INTELLIGENT_TIERING',
  'GLACIER_IR',
  'REDUCED_REDUNDANCY',
] as const;

export const s3OptionsSchema = z
  .strictObject({
    region: z
      .string()
      .min(1)
      .optional()
      .describe(
        "the bucket's region (default: AWS_REGION, the profile's region, or us-east-1 for an endpoint in the location)",
      ),
    endpoint: z
      .url()
      .optional()
      .describe(
        'an S3-compatible service for an s3:bucket/prefix location (s3:https://host/bucket/prefix names it itself)',
      ),
    pathStyle: z
      .boolean()
      .optional()
      .describe('address the bucket as https://host/bucket (default: true with an endpoint, false for AWS)'),
    storageClass: z
      .enum(S3_STORAGE_CLASSES)
      .optional()
      .describe('storage class of data packs (metadata objects stay STANDARD); default STANDARD'),
    serverSideEncryption: z.enum(['AES256', 'aws:kms']).optional().describe('SSE-S3 (AES256) or SSE-KMS (aws:kms)'),
    kmsKeyId: z.string().min(1).optional().describe("the KMS key for aws:kms (default: the bucket's AWS-managed key)"),
    profile: z.string().min(1).optional().describe('a profile of the shared AWS config and credentials files'),
    accessKeyIdEnv: envName
      .optional()
      .describe('environment variable holding the access key ID (default: the AWS chain)'),
    secretAccessKeyEnv: envName.optional().describe('environment variable holding the secret access key'),
    sessionTokenEnv: envName.optional().describe('environment variable holding a session token'),
    timeout: duration
      .default('60s')
      .describe('a request that sends or receives nothing for this long fails (and is retried)'),
    connectTimeout: duration.default('10s').describe('how long to wait for a connection'),
    connections: z
      .number()
      .int()
      .min(1)
      .max(64)
      .default(5)
      .describe('requests in flight at once (packs uploaded in parallel)'),
    contentMd5: z
      .boolean()
      .default(false)
      .describe('send Content-MD5 with every upload (buckets with Object Lock retention require it; costs CPU)'),
    conditionalCreate: z
      .boolean()
      .optional()
      .describe('the service honours If-None-Match: * on uploads (default: true for AWS, false with an endpoint)'),
  })
  .superRefine((o, ctx) => {
    if ((o.accessKeyIdEnv === undefined) !== (o.secretAccessKeyEnv === undefined)) {
      ctx.addIssue({
        code: 'custom',
        message: 'accessKeyIdEnv and secretAccessKeyEnv go together',
        path: ['secretAccessKeyEnv'],
      });
    }
    if (o.kmsKeyId !== undefined && o.serverSideEncryption !== 'aws:kms') {
      ctx.addIssue({ code: 'custom', message: 'kmsKeyId needs serverSideEncryption: aws:kms', path: ['kmsKeyId'] });
    }
  });

export type S3Options = z.infer<typeof s3OptionsSchema>;
