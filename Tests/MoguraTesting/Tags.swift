public import Testing

extension Tag {
    /// Needs the PostgreSQL cluster `scripts/test` starts.
    @Tag public static var postgres: Self
    /// Runs the built `mogura` executable as a separate process.
    @Tag public static var process: Self
    /// Kills a process mid-work and checks what it left behind.
    @Tag public static var crash: Self
}
