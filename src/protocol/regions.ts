/**
 * Where AWS KMS runs: each partition and the regions in it that have a KMS endpoint, from botocore's endpoint
 * data (botocore 1.43.11, `data/endpoints.json`: the `kms` endpoints of every partition, FIPS variants left
 * out). The one list of regions in the repository: the server accepts a credential scope in these regions only,
 * as AWS answers one in a region it does not know, and an ARN's partition follows from its region.
 */
export const PARTITIONS = {
  aws: [
    'af-south-1',
    'ap-east-1',
    'ap-east-2',
    'ap-northeast-1',
    'ap-northeast-2',
    'ap-northeast-3',
    'ap-south-1',
    'ap-south-2',
    'ap-southeast-1',
    'ap-southeast-2',
    'ap-southeast-3',
    'ap-southeast-4',
    'ap-southeast-5',
    'ap-southeast-6',
    'ap-southeast-7',
    'ca-central-1',
    'ca-west-1',
    'eu-central-1',
    'eu-central-2',
    'eu-north-1',
    'eu-south-1',
    'eu-south-2',
    'eu-west-1',
    'eu-west-2',
    'eu-west-3',
    'il-central-1',
    'me-central-1',
    'me-south-1',
    'mx-central-1',
    'sa-east-1',
    'us-east-1',
    'us-east-2',
    'us-west-1',
    'us-west-2',
  ],
  'aws-cn': ['cn-north-1', 'cn-northwest-1'],
  'aws-us-gov': ['us-gov-east-1', 'us-gov-west-1'],
  'aws-iso': ['us-iso-east-1', 'us-iso-west-1'],
  'aws-iso-b': ['us-isob-east-1', 'us-isob-west-1'],
  'aws-iso-e': ['eu-isoe-west-1'],
  'aws-iso-f': ['us-isof-east-1', 'us-isof-south-1'],
  'aws-eusc': ['eusc-de-east-1'],
} as const;

export type Partition = keyof typeof PARTITIONS;

/**
 * The shape of every region name of every partition (the union of the partitions' `regionRegex` in the same
 * data): what a client checks, so that it keeps working in a region newer than this list.
 */
export const REGION_PATTERN = /^[a-z]{2,4}(-[a-z]+)+-\d{1,2}$/;

/** The partition of a region AWS KMS runs in, or undefined for any other name. */
export function partitionOf(region: string): Partition | undefined {
  for (const partition in PARTITIONS) {
    if ((PARTITIONS[partition as Partition] as readonly string[]).includes(region))
      return partition as Partition;
  }
  return undefined;
}
