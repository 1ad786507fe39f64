/**
 * TensorBoard's Event and Summary messages (tensorboard/compat/proto/event.proto, summary.proto),
 * encoded by hand: the file-version record, simple-value scalars, text and hparams summaries, laid
 * out as torch.utils.tensorboard writes them (HF's TensorBoardCallback uses that writer). Fields at
 * their proto3 default are left out and fields go in number order, as protobuf's own encoders do.
 */
import { ProtoWriter } from './protobuf';

export const FILE_VERSION = 'brain.Event:2';

/** tensorflow DataType values used here (tensorboard/compat/proto/types.proto). */
const DT_FLOAT = 1;
const DT_STRING = 7;

/** tensorboard.hparams.Status. */
export const SessionStatus = { unknown: 0, success: 1, failure: 2, running: 3 } as const;
export type SessionStatus = (typeof SessionStatus)[keyof typeof SessionStatus];

export type HParamValue = number | string | boolean;

/** Tags the hparams plugin looks for (tensorboard/plugins/hparams/metadata.py). */
export const HPARAMS_TAGS = {
  sessionStartInfo: '_hparams_/session_start_info',
  sessionEndInfo: '_hparams_/session_end_info',
} as const;

interface EventHeader {
  /** Seconds since the epoch. */
  wallTime: number;
  step: number;
}

function event(header: EventHeader, body: (writer: ProtoWriter) => void): Uint8Array {
  const writer = new ProtoWriter().double(1, header.wallTime);
  if (header.step !== 0) writer.varint(2, header.step);
  body(writer);
  return writer.finish();
}

/** The first record of every event file: readers check it to know the format. */
export function fileVersionEvent(wallTime: number): Uint8Array {
  return event({ wallTime, step: 0 }, (w) => w.string(3, FILE_VERSION));
}

/** One scalar as `Summary.Value.simple_value` (a float32), as `SummaryWriter.add_scalar` writes it. */
export function scalarEvent(header: EventHeader, tag: string, value: number): Uint8Array {
  return event(header, (w) => w.message(5, (summary) => summary.message(1, (v) => v.string(1, tag).float(2, value))));
}

function pluginMetadata(writer: ProtoWriter, pluginName: string, content: Uint8Array): void {
  writer.message(1, (pluginData) => {
    pluginData.string(1, pluginName);
    if (content.length > 0) pluginData.bytes(2, content);
  });
}

/** Text for the text plugin, tagged `<tag>/text_summary` as `SummaryWriter.add_text` does. */
export function textEvent(header: EventHeader, tag: string, text: string): Uint8Array {
  return event(header, (w) =>
    w.message(5, (summary) =>
      summary.message(1, (value) => {
        value.string(1, `${tag}/text_summary`);
        value.message(8, (tensor) => {
          tensor.varint(1, DT_STRING);
          tensor.message(2, (shape) => shape.message(2, (dim) => dim.varint(1, 1)));
          tensor.string(8, text);
        });
        // TextPluginData(version=0) serialises to nothing.
        value.message(9, (metadata) => pluginMetadata(metadata, 'text', new Uint8Array()));
      }),
    ),
  );
}

/** A summary whose only payload is HParamsPluginData in its metadata, with the plugin's empty float tensor. */
function hparamsEvent(header: EventHeader, tag: string, pluginData: (writer: ProtoWriter) => void): Uint8Array {
  const content = new ProtoWriter();
  pluginData(content);
  return event(header, (w) =>
    w.message(5, (summary) =>
      summary.message(1, (value) => {
        value.string(1, tag);
        // metadata.NULL_TENSOR: DT_FLOAT, shape [0].
        value.message(8, (tensor) => {
          tensor.varint(1, DT_FLOAT);
          tensor.message(2, (shape) => shape.message(2, () => undefined));
        });
        value.message(9, (metadata) => pluginMetadata(metadata, 'hparams', content.finish()));
      }),
    ),
  );
}

function protobufValue(writer: ProtoWriter, value: HParamValue): void {
  if (typeof value === 'number') writer.double(2, value);
  else if (typeof value === 'string') writer.string(3, value);
  else writer.varint(4, value);
}

/** HParamsPluginData.session_start_info: the run's hyperparameters, for the HPARAMS tab. */
export function sessionStartEvent(header: EventHeader, hparams: ReadonlyMap<string, HParamValue>, startTimeSecs: number, groupName = ''): Uint8Array {
  return hparamsEvent(header, HPARAMS_TAGS.sessionStartInfo, (data) =>
    data.message(3, (info) => {
      for (const [key, value] of hparams) {
        info.message(1, (entry) => entry.string(1, key).message(2, (v) => protobufValue(v, value)));
      }
      if (groupName) info.string(4, groupName);
      if (startTimeSecs !== 0) info.double(5, startTimeSecs);
    }),
  );
}

/** HParamsPluginData.session_end_info: how the run ended. */
export function sessionEndEvent(header: EventHeader, status: SessionStatus, endTimeSecs: number): Uint8Array {
  return hparamsEvent(header, HPARAMS_TAGS.sessionEndInfo, (data) =>
    data.message(4, (info) => {
      if (status !== 0) info.varint(1, status);
      if (endTimeSecs !== 0) info.double(2, endTimeSecs);
    }),
  );
}
