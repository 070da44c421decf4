// libFuzzer entry points for the file readers of issue 19 (family 6). One binary per target,
// chosen at compile time with -D FUZZ_<NAME> (Scripts/fuzz.sh builds them all). Each target
// feeds the bytes to one reader and ignores the thrown error: a crash, a trap or a sanitizer
// report is the finding.
import Foundation
import SimCLR

#if FUZZ_ENCODER_JSON
/// encoder.json is read from a file: one per process, rewritten for every input.
let encoderJSONPath = (FileManager.default.fileExists(atPath: "/dev/shm") ? "/dev/shm" : "/tmp") + "/simclr-fuzz-\(getpid())-encoder.json"
#endif

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ start: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    let bytes = count > 0 ? Array(UnsafeBufferPointer(start: start!, count: count)) : []
    #if FUZZ_PNG
    _ = try? PNG.decode(bytes: bytes, name: "fuzz.png", maximumPixels: 1 << 20)
    #elseif FUZZ_SAFETENSORS
    _ = try? SafetensorsFile.parse(bytes, path: "fuzz.safetensors")
    #elseif FUZZ_CHECKPOINT
    _ = try? TrainingCheckpoint.parse(bytes, path: "fuzz-checkpoint.safetensors")
    #elseif FUZZ_IDX
    _ = try? IDXArray.parse(bytes, file: "fuzz-idx", expectedDimensions: 3, limitBytes: 1 << 24)
    _ = try? IDXArray.parse(bytes, file: "fuzz-idx", expectedDimensions: 1, limitBytes: 1 << 24)
    #elseif FUZZ_ENCODER_JSON
    let fd = open(encoderJSONPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
    _ = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
    close(fd)
    _ = try? EncoderDescription.read(path: encoderJSONPath)
    #endif
    return 0
}
