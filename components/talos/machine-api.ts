/**
 * The few Talos machine API calls the cluster's lifecycle needs, over mutual TLS with `@grpc/grpc-js` and without
 * generated code: each message is written and read field by field with google-protobuf's wire-format reader and
 * writer, by the field numbers of `api/machine/machine.proto` and `api/common/common.proto`
 * (https://github.com/siderolabs/talos/blob/v1.13.9/api/machine/machine.proto). Both directions are here, so the
 * engine run's apid double (tools/engine/talos-doubles.ts) answers with the same encoding the client reads.
 */
import { Client, credentials, Metadata, ServiceError, status } from "@grpc/grpc-js";
import { BinaryReader, BinaryWriter } from "google-protobuf";
import { isIPv6 } from "node:net";
import type { TalosApiTarget } from "./bootstrap";

/** apid's port on every node. */
export const APID_PORT = 50000;

/** Full method names of the calls below (service `machine.MachineService`). */
export const MACHINE_METHODS = {
  applyConfiguration: "/machine.MachineService/ApplyConfiguration",
  upgrade: "/machine.MachineService/Upgrade",
  version: "/machine.MachineService/Version",
  serviceList: "/machine.MachineService/ServiceList",
  systemStat: "/machine.MachineService/SystemStat",
} as const;

/** `ApplyConfigurationRequest.Mode`. */
export const APPLY_MODES = { REBOOT: 0, AUTO: 1, NO_REBOOT: 2, STAGED: 3, TRY: 4 } as const;

/** A mode by name. */
export type ApplyModeName = keyof typeof APPLY_MODES;

/** What one node answered to ApplyConfiguration. */
export interface ApplyResult {
  /** The mode Talos chose (with AUTO: NO_REBOOT when it can apply the change live, REBOOT otherwise). */
  readonly mode: ApplyModeName;
  readonly modeDetails: string;
  readonly warnings: readonly string[];
}

/** One service of ServiceList. */
export interface ServiceState {
  readonly id: string;
  /** `Running`, `Waiting`, `Finished`, … */
  readonly state: string;
  readonly healthy: boolean;
  /** True for services without a health check. */
  readonly unknown: boolean;
}

/** The request of ApplyConfiguration: the whole machine config and how to apply it. */
export function encodeApplyConfigurationRequest(request: {
  readonly data: string;
  readonly mode: ApplyModeName;
  readonly dryRun?: boolean;
}): Buffer {
  const writer = new BinaryWriter();
  writer.writeBytes(1, Buffer.from(request.data, "utf8"));
  writer.writeEnum(4, APPLY_MODES[request.mode]);
  if (request.dryRun === true) writer.writeBool(5, true);
  return Buffer.from(writer.getResultBuffer());
}

/** Reads an ApplyConfigurationRequest (for the double). */
export function decodeApplyConfigurationRequest(bytes: Uint8Array): { data: string; mode: ApplyModeName } {
  let data = "";
  let mode: ApplyModeName = "REBOOT";
  eachField(bytes, (field, reader) => {
    if (field === 1) data = Buffer.from(reader.readBytes()).toString("utf8");
    else if (field === 4) mode = modeName(reader.readEnum());
    else return false;
    return true;
  });
  return { data, mode };
}

/** The request of the (legacy, single-call) Upgrade: the installer image, keeping the node's data. */
export function encodeUpgradeRequest(request: { readonly image: string; readonly preserve: boolean }): Buffer {
  const writer = new BinaryWriter();
  writer.writeString(1, request.image);
  if (request.preserve) writer.writeBool(2, true);
  return Buffer.from(writer.getResultBuffer());
}

/** Reads an UpgradeRequest (for the double). */
export function decodeUpgradeRequest(bytes: Uint8Array): { image: string; preserve: boolean } {
  let image = "";
  let preserve = false;
  eachField(bytes, (field, reader) => {
    if (field === 1) image = reader.readString();
    else if (field === 2) preserve = reader.readBool();
    else return false;
    return true;
  });
  return { image, preserve };
}

/** `google.protobuf.Empty`: zero bytes. */
export function emptyRequest(): Buffer {
  return Buffer.alloc(0);
}

function modeName(value: number): ApplyModeName {
  const found = (Object.keys(APPLY_MODES) as ApplyModeName[]).find((name) => APPLY_MODES[name] === value);
  if (found === undefined) throw new Error(`unknown ApplyConfiguration mode ${value}`);
  return found;
}

/** Calls `visit` for every field; `visit` returns false for a field it does not read, which is then skipped. */
function eachField(bytes: Uint8Array, visit: (field: number, reader: BinaryReader) => boolean): void {
  const reader = new BinaryReader(bytes);
  while (reader.nextField()) {
    if (reader.isEndGroup()) break;
    if (!visit(reader.getFieldNumber(), reader)) reader.skipField();
  }
}

/**
 * Every response of these calls is `repeated <Message> messages = 1`, each with `common.Metadata metadata = 1`
 * (`hostname = 1`, `error = 2`). A per-node error arrives there rather than as a gRPC status when apid proxies.
 */
function messagesOf<T>(bytes: Uint8Array, read: (field: number, reader: BinaryReader, into: Partial<T>) => boolean) {
  const out: (Partial<T> & { error: string })[] = [];
  eachField(bytes, (field, reader) => {
    if (field !== 1) return false;
    const message: Partial<T> & { error: string } = { error: "" } as Partial<T> & { error: string };
    eachField(reader.readBytes(), (inner, innerReader) => {
      if (inner === 1) {
        eachField(innerReader.readBytes(), (metaField, metaReader) => {
          if (metaField !== 2) return false;
          message.error = metaReader.readString();
          return true;
        });
        return true;
      }
      return read(inner, innerReader, message);
    });
    out.push(message);
    return true;
  });
  return out;
}

/** The first message of a response, or an error naming the node's own complaint. */
function single<T>(messages: (Partial<T> & { error: string })[], what: string): Partial<T> {
  const [first] = messages;
  if (first === undefined) throw new Error(`${what}: the node answered with no message`);
  if (first.error !== "") throw new Error(`${what}: ${first.error}`);
  return first;
}

/** Reads an ApplyConfigurationResponse. */
export function decodeApplyConfigurationResponse(bytes: Uint8Array): ApplyResult {
  const message = single<{ mode: ApplyModeName; modeDetails: string; warnings: string[] }>(
    messagesOf(bytes, (field, reader, into) => {
      if (field === 2) into.warnings = [...(into.warnings ?? []), reader.readString()];
      else if (field === 3) into.mode = modeName(reader.readEnum());
      else if (field === 4) into.modeDetails = reader.readString();
      else return false;
      return true;
    }),
    "ApplyConfiguration",
  );
  return { mode: message.mode ?? "REBOOT", modeDetails: message.modeDetails ?? "", warnings: message.warnings ?? [] };
}

/** Writes an ApplyConfigurationResponse (for the double). */
export function encodeApplyConfigurationResponse(result: ApplyResult, hostname: string): Buffer {
  return responseOf(hostname, (writer) => {
    for (const warning of result.warnings) writer.writeString(2, warning);
    writer.writeEnum(3, APPLY_MODES[result.mode]);
    writer.writeString(4, result.modeDetails);
  });
}

/** Reads an UpgradeResponse: the node's acknowledgement. */
export function decodeUpgradeResponse(bytes: Uint8Array): { ack: string } {
  const message = single<{ ack: string }>(
    messagesOf(bytes, (field, reader, into) => {
      if (field !== 2) return false;
      into.ack = reader.readString();
      return true;
    }),
    "Upgrade",
  );
  return { ack: message.ack ?? "" };
}

/** Writes an UpgradeResponse (for the double). */
export function encodeUpgradeResponse(ack: string, hostname: string): Buffer {
  return responseOf(hostname, (writer) => writer.writeString(2, ack));
}

/** Reads a VersionResponse: the node's Talos version tag (`VersionInfo.tag`, e.g. `v1.13.9`). */
export function decodeVersionResponse(bytes: Uint8Array): { tag: string } {
  const message = single<{ tag: string }>(
    messagesOf(bytes, (field, reader, into) => {
      if (field !== 2) return false;
      eachField(reader.readBytes(), (infoField, infoReader) => {
        if (infoField !== 1) return false;
        into.tag = infoReader.readString();
        return true;
      });
      return true;
    }),
    "Version",
  );
  return { tag: message.tag ?? "" };
}

/** Writes a VersionResponse (for the double). */
export function encodeVersionResponse(tag: string, hostname: string): Buffer {
  return responseOf(hostname, (writer) => {
    const info = new BinaryWriter();
    info.writeString(1, tag);
    writer.writeBytes(2, info.getResultBuffer());
  });
}

/** Reads a ServiceListResponse. */
export function decodeServiceListResponse(bytes: Uint8Array): ServiceState[] {
  const message = single<{ services: ServiceState[] }>(
    messagesOf(bytes, (field, reader, into) => {
      if (field !== 2) return false;
      const service = { id: "", state: "", healthy: false, unknown: false };
      eachField(reader.readBytes(), (serviceField, serviceReader) => {
        if (serviceField === 1) service.id = serviceReader.readString();
        else if (serviceField === 2) service.state = serviceReader.readString();
        else if (serviceField === 4) {
          eachField(serviceReader.readBytes(), (healthField, healthReader) => {
            if (healthField === 1) service.unknown = healthReader.readBool();
            else if (healthField === 2) service.healthy = healthReader.readBool();
            else return false;
            return true;
          });
        } else return false;
        return true;
      });
      into.services = [...(into.services ?? []), service];
      return true;
    }),
    "ServiceList",
  );
  return message.services ?? [];
}

/** Writes a ServiceListResponse (for the double). */
export function encodeServiceListResponse(services: readonly ServiceState[], hostname: string): Buffer {
  return responseOf(hostname, (writer) => {
    for (const service of services) {
      const entry = new BinaryWriter();
      entry.writeString(1, service.id);
      entry.writeString(2, service.state);
      const health = new BinaryWriter();
      if (service.unknown) health.writeBool(1, true);
      if (service.healthy) health.writeBool(2, true);
      entry.writeBytes(4, health.getResultBuffer());
      writer.writeBytes(2, entry.getResultBuffer());
    }
  });
}

/** Reads a SystemStatResponse: the node's boot time (seconds since the epoch), which changes with every reboot. */
export function decodeSystemStatResponse(bytes: Uint8Array): { bootTime: number } {
  const message = single<{ bootTime: number }>(
    messagesOf(bytes, (field, reader, into) => {
      if (field !== 2) return false;
      into.bootTime = reader.readUint64();
      return true;
    }),
    "SystemStat",
  );
  return { bootTime: message.bootTime ?? 0 };
}

/** Writes a SystemStatResponse (for the double). */
export function encodeSystemStatResponse(bootTime: number, hostname: string): Buffer {
  return responseOf(hostname, (writer) => writer.writeUint64(2, bootTime));
}

function responseOf(hostname: string, body: (writer: BinaryWriter) => void): Buffer {
  const message = new BinaryWriter();
  const metadata = new BinaryWriter();
  metadata.writeString(1, hostname);
  message.writeBytes(1, metadata.getResultBuffer());
  body(message);
  const response = new BinaryWriter();
  response.writeBytes(1, message.getResultBuffer());
  return Buffer.from(response.getResultBuffer());
}

/** The outcome of one call: the decoded answer, or the gRPC error for the caller to classify. */
export type CallResult<T> = { readonly value: T } | { readonly error: ServiceError };

/** A mutual-TLS connection to one node's apid, trusting only the OS CA. */
export class MachineApi {
  private readonly client: Client;
  /** `<ip>:<port>`, for messages. */
  readonly address: string;

  constructor(target: TalosApiTarget) {
    this.address = isIPv6(target.node) ? `[${target.node}]:${target.port}` : `${target.node}:${target.port}`;
    this.client = new Client(
      this.address,
      credentials.createSsl(
        Buffer.from(target.caCertPem),
        Buffer.from(target.clientKeyPem),
        Buffer.from(target.clientCertPem),
      ),
    );
  }

  /** One unary call with a deadline; a reply that does not decode is an error, not a result. */
  call<T>(method: string, request: Buffer, decode: (bytes: Buffer) => T, timeoutMs: number): Promise<CallResult<T>> {
    return new Promise((resolve) => {
      this.client.makeUnaryRequest(
        method,
        (message: Buffer) => message,
        (bytes: Buffer) => bytes,
        request,
        new Metadata(),
        { deadline: new Date(Date.now() + timeoutMs) },
        (error, bytes) => {
          if (error) return resolve({ error });
          try {
            resolve({ value: decode(bytes ?? Buffer.alloc(0)) });
          } catch (decodeError) {
            resolve({ error: asServiceError(decodeError as Error) });
          }
        },
      );
    });
  }

  close(): void {
    this.client.close();
  }
}

/** A per-node error from the response body, in the shape of a gRPC error (status UNKNOWN). */
function asServiceError(error: Error): ServiceError {
  return Object.assign(error, { code: status.UNKNOWN, details: error.message, metadata: new Metadata() });
}

/** `CODE: details`, for messages. */
export function describeError(error: Pick<ServiceError, "code" | "details">): string {
  return `${status[error.code]}: ${error.details}`;
}

/** True for errors of a node that is booting, rebooting or not reachable yet: waiting can fix them. */
export function isTransient(error: Pick<ServiceError, "code">): boolean {
  return error.code === status.UNAVAILABLE || error.code === status.DEADLINE_EXCEEDED;
}
