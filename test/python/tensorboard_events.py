"""Reads TensorBoard event files with tensorboard's own code, for test/unit/trainer/reporting.

  golden <event-file>   stdin: JSON list of the events the test wrote. Checks every record's framing
                        and masked CRC-32C with tensorboard's reader, and compares each Event with the
                        one tensorboard's protos give for the same input (as torch's SummaryWriter and
                        tensorboard's hparams summaries build them). Prints JSON.
  read <logdir>         Loads the folder with EventAccumulator and prints its scalars, texts and
                        hparams sessions as JSON.
"""
import json
import struct
import sys

from tensorboard.backend.event_processing import event_accumulator
from tensorboard.compat.proto import event_pb2, summary_pb2, tensor_pb2, tensor_shape_pb2
from tensorboard.compat.tensorflow_stub.pywrap_tensorflow import masked_crc32c
from tensorboard.plugins.hparams import metadata as hp_metadata, plugin_data_pb2
from tensorboard.plugins.text.plugin_data_pb2 import TextPluginData
from tensorboard.util import tensor_util


def records(path):
    data = open(path, "rb").read()
    offset = 0
    while offset < len(data):
        header = data[offset : offset + 8]
        (length,) = struct.unpack("<Q", header)
        (header_crc,) = struct.unpack("<I", data[offset + 8 : offset + 12])
        body = data[offset + 12 : offset + 12 + length]
        (body_crc,) = struct.unpack("<I", data[offset + 12 + length : offset + 16 + length])
        yield body, header_crc == masked_crc32c(header), body_crc == masked_crc32c(body)
        offset += 16 + length


def expected_event(spec):
    event = event_pb2.Event(wall_time=spec["wall"], step=spec.get("step", 0))
    kind = spec["kind"]
    if kind == "version":
        event.file_version = "brain.Event:2"
    elif kind == "scalar":
        event.summary.value.add(tag=spec["tag"], simple_value=spec["value"])
    elif kind == "text":
        # torch.utils.tensorboard.summary.text
        plugin_data = summary_pb2.SummaryMetadata.PluginData(plugin_name="text", content=TextPluginData(version=0).SerializeToString())
        tensor = tensor_pb2.TensorProto(
            dtype="DT_STRING",
            string_val=[spec["text"].encode("utf_8")],
            tensor_shape=tensor_shape_pb2.TensorShapeProto(dim=[tensor_shape_pb2.TensorShapeProto.Dim(size=1)]),
        )
        event.summary.value.add(tag=spec["tag"] + "/text_summary", metadata=summary_pb2.SummaryMetadata(plugin_data=plugin_data), tensor=tensor)
    elif kind in ("start", "end"):
        data = plugin_data_pb2.HParamsPluginData()
        if kind == "start":
            info = data.session_start_info
            for key, value in spec["hparams"]:
                if isinstance(value, bool):
                    info.hparams[key].bool_value = value
                elif isinstance(value, (int, float)):
                    info.hparams[key].number_value = value
                else:
                    info.hparams[key].string_value = value
            info.start_time_secs = spec["time"]
            tag = hp_metadata.SESSION_START_INFO_TAG
        else:
            data.session_end_info.status = spec["status"]
            data.session_end_info.end_time_secs = spec["time"]
            tag = hp_metadata.SESSION_END_INFO_TAG
        event.summary.value.add(tag=tag, metadata=hp_metadata.create_summary_metadata(data), tensor=hp_metadata.NULL_TENSOR)
    return event


def golden(path):
    specs = json.load(sys.stdin)
    results = []
    for (body, header_ok, body_ok), spec in zip(records(path), specs):
        parsed = event_pb2.Event.FromString(body)
        expected = expected_event(spec)
        equal = parsed == expected
        if not equal and spec["kind"] == "start":
            # The hparams map is serialised inside a bytes field, in no fixed order: compare it decoded.
            got_data, expected_data = (plugin_data_pb2.HParamsPluginData.FromString(e.summary.value[0].metadata.plugin_data.content) for e in (parsed, expected))
            for e in (parsed, expected):
                e.summary.value[0].metadata.plugin_data.ClearField("content")
            equal = parsed == expected and got_data == expected_data
        results.append({
            "kind": spec["kind"],
            "header_crc": header_ok,
            "body_crc": body_ok,
            "equal": equal,
            "same_bytes": body == expected.SerializeToString(deterministic=True),
            "got": "" if equal else str(parsed),
            "expected": "" if equal else str(expected),
        })
    print(json.dumps({"records": sum(1 for _ in records(path)), "results": results}))


def read(logdir):
    acc = event_accumulator.EventAccumulator(logdir, size_guidance={event_accumulator.SCALARS: 0, event_accumulator.TENSORS: 0})
    acc.Reload()
    tags = acc.Tags()
    scalars = {tag: [[e.step, e.value, e.wall_time] for e in acc.Scalars(tag)] for tag in tags["scalars"]}
    texts = {}
    for tag in acc.PluginTagToContent("text"):
        texts[tag] = [tensor_util.make_ndarray(e.tensor_proto).item().decode("utf-8") for e in acc.Tensors(tag)]
    hparams = {}
    for tag, content in acc.PluginTagToContent("hparams").items():
        data = plugin_data_pb2.HParamsPluginData.FromString(content)
        which = data.WhichOneof("data")
        if which == "session_start_info":
            hparams["start"] = {k: _value(v) for k, v in data.session_start_info.hparams.items()}
            hparams["start_time_secs"] = data.session_start_info.start_time_secs
        elif which == "session_end_info":
            hparams["end_status"] = data.session_end_info.status
    print(json.dumps({"file_version": acc.file_version, "scalars": scalars, "texts": texts, "hparams": hparams}))


def _value(v):
    kind = v.WhichOneof("kind")
    return getattr(v, kind) if kind else None


if __name__ == "__main__":
    command, path = sys.argv[1], sys.argv[2]
    golden(path) if command == "golden" else read(path)
