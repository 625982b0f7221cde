"""A recording's ``.npz`` file, read safely: every header checked before any array is read.

``Recording.save`` writes the file; ``Recording.load`` reads it through
``read_recording_file``, which reads the zip directory and every ``.npy``
header first and refuses, naming the file and the key, a file that is not a
recording, a header that lies about its size, shapes that disagree, pickled
objects, or arrays that claim more bytes than the memory available. NumPy only.
"""
import zipfile

import numpy as np

__all__ = ["FORMAT_VERSION", "read_recording_file", "npz_headers"]

FORMAT_VERSION = 1


def read_recording_file(path, available=None):
    """Every array of a recording file, after checking from its headers alone that it is one we can read.

    The zip directory and each array's ``.npy`` header are read first (``npz_headers``): the kind and format
    version, every array's shape against the others (``_check_shapes``) and the bytes the arrays claim against
    ``available`` (bytes; None: no limit), so a file whose header lies or that would unpack to more than the
    memory is refused, naming the file and the key, before any array is read.
    """
    if not path.is_file():
        raise FileNotFoundError(f"path: no such recording file: {str(path)!r}")
    with open(path, "rb") as f:
        magic = f.read(4)
    if magic != b"PK\x03\x04":  # every .npz is a zip file
        raise ValueError(f"path: {str(path)!r} is not a course_companion recording (not an .npz file)")
    try:
        headers = npz_headers(path)
    except (ValueError, OSError, EOFError, zipfile.BadZipFile, KeyError) as exc:
        raise ValueError(f"path: {str(path)!r} is truncated or corrupt ({type(exc).__name__}: {exc})") from None
    _check_kind(path, headers)
    claimed = sum(int(np.prod(shape)) * dtype.itemsize for shape, dtype in headers.values())
    if available is not None and claimed > available:
        raise ValueError(f"path: {str(path)!r} claims arrays of {claimed / 2**30:.3g} GiB, more than the "
                         f"{available / 2**30:.3g} GiB of memory available; not read")
    _check_shapes(path, headers)
    try:
        with np.load(path, allow_pickle=False) as f:
            data = {k: f[k] for k in f.files}
    except (ValueError, OSError, EOFError, zipfile.BadZipFile, KeyError) as exc:
        raise ValueError(f"path: {str(path)!r} is truncated or corrupt ({type(exc).__name__}: {exc})") from None
    version = data["format_version"].item()
    if version > FORMAT_VERSION:
        raise ValueError(f"path: {str(path)!r} has format version {version}, newer than this "
                         f"course_companion reads ({FORMAT_VERSION}); upgrade course_companion")
    return data


def npz_headers(path):
    """{key: (shape, dtype)} of every array of an ``.npz``, from the ``.npy`` headers, without reading the data.

    A header whose shape and dtype do not account for exactly the bytes its zip entry holds is refused here: a
    lying header would otherwise make NumPy allocate what it claims before finding out.
    """
    headers = {}
    with zipfile.ZipFile(path) as z:
        for info in z.infolist():
            key = info.filename[:-4] if info.filename.endswith(".npy") else info.filename
            with z.open(info) as f:
                version = np.lib.format.read_magic(f)
                read = {(1, 0): np.lib.format.read_array_header_1_0, (2, 0): np.lib.format.read_array_header_2_0}
                if version not in read:
                    raise ValueError(f"key {key!r}: .npy format version {version} is not read here")
                shape, _, dtype = read[version](f)
                if dtype.hasobject:
                    raise ValueError(f"key {key!r} holds Python objects (pickled data): not read")
                nbytes = int(np.prod(shape, dtype=object)) * dtype.itemsize
                if f.tell() + nbytes != info.file_size:
                    raise ValueError(f"key {key!r}: its header claims shape {shape} of {dtype} ({nbytes:,} bytes), "
                                     f"but the entry holds {info.file_size - f.tell():,} bytes")
            headers[key] = (tuple(shape), dtype)
    return headers


def _check_kind(path, headers):
    """The file is a recording, and its format version is a whole number."""
    kind = headers.get("kind")
    if "format_version" not in headers or kind is None or kind[1].kind != "U":
        raise ValueError(f"path: {str(path)!r} is not a course_companion recording")
    shape, dtype = headers["format_version"]
    if shape != () or dtype.kind not in "iu":
        raise ValueError(f"path: {str(path)!r}: key 'format_version' must be a whole number; got {dtype} of shape "
                         f"{shape}")


def _check_shapes(path, headers):
    """Every array's shape agrees with the others: one entry per record, (records, units, d) per layer."""
    def fail(key, what):
        raise ValueError(f"path: {str(path)!r}: key {key!r} has shape {headers[key][0]}; {what}")

    for key in ("steps", "epochs", "layers", "log_keys", "keep", "has_gradients", "metadata"):
        if key not in headers:
            raise ValueError(f"path: {str(path)!r} is an incomplete recording (no key {key!r})")
    records = headers["steps"][0]
    if len(records) != 1:
        fail("steps", "expected one step per record, (records,)")
    records = records[0]
    for key, (shape, dtype) in headers.items():
        if key.startswith("log_") and key != "log_keys" or key == "epochs":
            if shape != (records,):
                fail(key, f"expected ({records},), one value per record")
        if key.startswith(("units_", "gradients_", "distances_")):
            if len(shape) != 3 or shape[0] != records or dtype.kind != "f":
                fail(key, f"expected floats of shape ({records}, units, weights), one record per step")
            if key.startswith("distances_") and shape[1] != shape[2]:
                fail(key, "expected (records, units, units)")
            if key.startswith("gradients_") and headers.get("units_" + key.split("_")[1], (shape,))[0] != shape:
                fail(key, f"expected the shape of units_{key.split('_')[1]}")
