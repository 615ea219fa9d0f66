using Microsoft.Extensions.Logging;

namespace Sesame.AspNetCore.Storage;

/// <summary>
/// Makes the SQLite files readable by their owner only: the database holds sessions and (encrypted) keys, and a copy readable
/// by every local user is how the security review minted tokens. SQLite gives its <c>-wal</c>, <c>-shm</c> and <c>-journal</c>
/// files the mode of the database file, so creating that file 0600 before SQLite opens it covers them all. No-op on Windows,
/// where files inherit the folder's ACL.
/// </summary>
internal static class SqliteFileAccess
{
    private const UnixFileMode OwnerOnlyFile = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private const UnixFileMode OwnerOnlyFolder = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    private const UnixFileMode GroupAndOther = UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute
        | UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;

    private static readonly string[] Companions = ["-wal", "-shm", "-journal"];

    /// <summary>Creates the folder (0700) and the empty database file (0600) if absent; tightens existing files that are looser.</summary>
    public static void Prepare(string databasePath, ILogger logger)
    {
        var folder = Path.GetDirectoryName(databasePath);
        if (OperatingSystem.IsWindows())
        {
            if (!string.IsNullOrEmpty(folder))
            {
                Directory.CreateDirectory(folder);
            }

            return;
        }

        // Only a folder Sesame creates is made 0700: an existing one is the app's (it may hold other files on purpose).
        if (!string.IsNullOrEmpty(folder) && !Directory.Exists(folder))
        {
            Directory.CreateDirectory(folder, OwnerOnlyFolder);
        }

        if (!File.Exists(databasePath))
        {
            try
            {
                // An empty file is a valid empty SQLite database; created here, it gets 0600 from the start (never 0644 first).
                using var created = new FileStream(databasePath, new FileStreamOptions
                {
                    Mode = FileMode.CreateNew,
                    Access = FileAccess.Write,
                    UnixCreateMode = OwnerOnlyFile,
                });
            }
            catch (IOException) when (File.Exists(databasePath))
            {
                // another process created it first; tightened below like any existing file
            }
        }

        foreach (var path in (string[])[databasePath, .. Companions.Select(suffix => databasePath + suffix)])
        {
            Tighten(path, logger);
        }
    }

    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    private static void Tighten(string path, ILogger logger)
    {
        UnixFileMode mode;
        try
        {
            mode = File.GetUnixFileMode(path);
        }
        catch (FileNotFoundException)
        {
            return;
        }

        if ((mode & GroupAndOther) == 0)
        {
            return;
        }

        var tightened = mode & ~GroupAndOther;
        File.SetUnixFileMode(path, tightened);
        SqliteSessionStoreLog.FileModeTightened(logger, path, Octal(mode), Octal(tightened));
    }

    private static string Octal(UnixFileMode mode) => Convert.ToString((int)mode, 8).PadLeft(4, '0');
}
