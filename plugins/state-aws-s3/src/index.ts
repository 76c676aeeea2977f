/**
 * `!terraform.state` for the s3 backend: the state object read from S3 with the component's
 * identity, laid out as Terraform's s3 backend lays it out, instead of `terraform init` and
 * `terraform output`. This module is light (the definition); the S3 client loads on first read.
 */
import { definePlugin } from '@tfwrap/plugin-kit';
import { readS3State, s3BackendReadable } from './read.js';

export default definePlugin({
  name: '@tfwrap/state-aws-s3',
  stateReaders: [
    {
      backendType: 's3',
      description: "reads the state object from S3 (bucket, key, workspace_key_prefix, region, endpoints.s3, use_path_style) with the component's credentials, its profile or assume_role",
      canRead: s3BackendReadable,
      read: readS3State,
    },
  ],
});
