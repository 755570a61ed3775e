import Foundation

/// Deterministic crash points for tests: when `MOGURA_FAULT` names a point, the process kills itself there with
/// SIGKILL, as a power cut or the OOM killer would, so a test can show that nothing is lost or done twice.
public enum FaultPoints {
    /// The selected fault point, from `MOGURA_FAULT`.
    public static let selected = ProcessInfo.processInfo.environment["MOGURA_FAULT"]

    /// Kills the process if `name` is the selected fault point.
    public static func hit(_ name: String) {
        guard selected == name else { return }
        FileHandle.standardError.write(Data("mogura: fault point \(name) reached, killing the process\n".utf8))
        kill(getpid(), SIGKILL)
    }
}
