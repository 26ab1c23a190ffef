// The wire shapes the client needs until src/protocol/types.ts (all 54 operations) is generated.

export interface KeyMetadata {
  KeyId: string;
  Arn?: string;
  [member: string]: unknown;
}

type Input = Record<string, unknown>;

export interface KMSOperations {
  ListKeys: {
    input: { Limit?: number; Marker?: string };
    output: { Keys?: { KeyId?: string; KeyArn?: string }[]; NextMarker?: string; Truncated?: boolean };
  };
  GenerateDataKey: {
    input: {
      KeyId: string;
      NumberOfBytes?: number;
      KeySpec?: string;
      EncryptionContext?: Record<string, string>;
      GrantTokens?: string[];
    };
    output: { KeyId?: string; CiphertextBlob?: string; Plaintext?: string };
  };
  GenerateDataKeyWithoutPlaintext: {
    input: KMSOperations['GenerateDataKey']['input'];
    output: { KeyId?: string; CiphertextBlob?: string };
  };
  Encrypt: {
    input: {
      KeyId: string;
      Plaintext: string;
      EncryptionContext?: Record<string, string>;
      GrantTokens?: string[];
      EncryptionAlgorithm?: string;
    };
    output: { KeyId?: string; CiphertextBlob?: string; EncryptionAlgorithm?: string };
  };
  Decrypt: {
    input: {
      CiphertextBlob: string;
      KeyId?: string;
      EncryptionContext?: Record<string, string>;
      GrantTokens?: string[];
      EncryptionAlgorithm?: string;
    };
    output: { KeyId?: string; Plaintext?: string; EncryptionAlgorithm?: string };
  };
  DescribeKey: { input: { KeyId: string; GrantTokens?: string[] }; output: { KeyMetadata?: KeyMetadata } };
  CreateKey: { input: Input; output: { KeyMetadata?: KeyMetadata } };
  CreateAlias: { input: { AliasName: string; TargetKeyId: string }; output: Record<string, never> };
  [operation: string]: { input: Input; output: Input };
}

export type OperationName = keyof KMSOperations & string;
