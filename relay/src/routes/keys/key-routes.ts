// The key directory's routes: a device registers itself or claims a new session, publishes the
// signed device list and its prekeys; any signed-in account reads another's device list and takes
// prekey bundles. The logic is in keys/key-directory.ts; here are only paths, schemas and budgets.
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import {
  BundleReplySchema,
  BundleRequestBodySchema,
  DeviceBoundReplySchema,
  DeviceClaimBodySchema,
  DeviceClaimChallengeSchema,
  DeviceListBodySchema,
  DeviceRegisterBodySchema,
  DirectoryEntrySchema,
  DirectoryParamsSchema,
  OwnDevicesReplySchema,
  PrekeyCountSchema,
  PrekeyUploadBodySchema,
} from '@veil/wire';
import { toBase64Url } from '@veil/protocol';
import type { FastifyInstance } from 'fastify';
import { BODY_LIMITS, RATE_LIMITS } from '../../auth/rate-limits';

export default async function keyRoutes(fastify: FastifyInstance): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  app.addHook('preValidation', app.requireSession);
  const upload = { bodyLimit: BODY_LIMITS.keys, config: { rateLimit: RATE_LIMITS.keyUpload } };

  app.post(
    '/api/v1/devices',
    {
      ...upload,
      schema: { body: DeviceRegisterBodySchema, response: { 201: DeviceBoundReplySchema } },
    },
    async (request, reply) =>
      reply.code(201).send(await app.keys.register(request.session!, request.body)),
  );

  app.get('/api/v1/devices', { schema: { response: { 200: OwnDevicesReplySchema } } }, (request) =>
    app.keys.ownDevices(request.session!),
  );

  app.put(
    '/api/v1/devices/list',
    { ...upload, schema: { body: DeviceListBodySchema } },
    async (request, reply) => {
      await app.keys.replaceDeviceList(request.session!, request.body.deviceList);
      return reply.code(204).send();
    },
  );

  app.get(
    '/api/v1/devices/claim',
    { schema: { response: { 200: DeviceClaimChallengeSchema } } },
    (request) => ({ challenge: toBase64Url(app.keys.claimChallenge(request.session!)) }),
  );

  app.post(
    '/api/v1/devices/claim',
    {
      bodyLimit: BODY_LIMITS.small,
      config: { rateLimit: RATE_LIMITS.keyUpload },
      schema: { body: DeviceClaimBodySchema, response: { 200: DeviceBoundReplySchema } },
    },
    (request) => app.keys.claim(request.session!, request.body),
  );

  app.post(
    '/api/v1/keys/prekeys',
    { ...upload, schema: { body: PrekeyUploadBodySchema, response: { 200: PrekeyCountSchema } } },
    (request) => app.keys.uploadPrekeys(request.session!, request.body),
  );

  app.get('/api/v1/keys/prekeys', { schema: { response: { 200: PrekeyCountSchema } } }, (request) =>
    app.keys.counts(app.keys.boundDevice(request.session!)),
  );

  app.get(
    '/api/v1/directory/:username',
    {
      config: { rateLimit: RATE_LIMITS.directory },
      schema: { params: DirectoryParamsSchema, response: { 200: DirectoryEntrySchema } },
    },
    (request) => app.keys.directory(request.params.username),
  );

  app.post(
    '/api/v1/directory/:username/bundles',
    {
      bodyLimit: BODY_LIMITS.small,
      config: { rateLimit: RATE_LIMITS.bundles },
      schema: {
        params: DirectoryParamsSchema,
        body: BundleRequestBodySchema,
        response: { 200: BundleReplySchema },
      },
    },
    (request) => app.keys.bundles(request.params.username, request.body.deviceIds),
  );
}
