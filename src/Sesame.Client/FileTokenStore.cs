using System.Buffers;
using System.Security.Cryptography;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Sesame.Client.Internal;

namespace Sesame.Client;

/// <summary>
/// Keeps the session in a JSON file so it survives restarts and can be shared by several processes of one app.
/// Writes are atomic (temporary file, flush, rename over the old file); the file is created readable by its owner only.
/// A missing, corrupt, truncated or foreign file is logged and treated as "no session", never a crash.
/// The snapshot is cached in memory: <see cref="Current"/> does no I/O; the file is re-read only when it changed, inside the refresh flow
/// and before an update. Processes sharing the file refresh under <see cref="RefreshLock"/> (an OS lock on <c>&lt;path&gt;.lock</c>).
/// Opening the store deletes temporary files that a writer killed mid-write left behind (older than a minute).
/// <see cref="CreateProtected"/> opens a store whose file is encrypted with ASP.NET Core Data Protection (docs/security.md).
/// </summary>
public sealed class FileTokenStore : ITokenStore, IRefreshLockProvider, IDisposable
{
    internal const string FormatName = "sesame.client.tokens";
    internal const int FormatVersion = 1;

    // A live writer creates, fills and renames its temporary file within milliseconds; one untouched for this long belongs to a dead writer.
    private static readonly TimeSpan s_staleTempFileAge = TimeSpan.FromMinutes(1);

    /// <summary>The Data Protection purpose of a protected token file (<see cref="CreateProtected"/>): a protector for another purpose
    /// cannot read it.</summary>
    public const string DataProtectionPurpose = "Sesame.Client.FileTokenStore.v1";

    private readonly ILogger _logger;
    private readonly IDataProtector? _protector;
    private readonly SemaphoreSlim _writeGate = new(1, 1);
    private readonly FileRefreshLock _refreshLock;
    private SessionTokens _current = SessionTokens.Empty;
    private FileStamp _seen;

    /// <summary>Opens (or prepares to create) the token file at <paramref name="path"/>.</summary>
    /// <param name="path">The token file. Its directory is created on the first write.</param>
    /// <param name="logger">Receives the "unreadable file" warnings and stale temporary files removed; never token values.</param>
    /// <param name="timeProvider">The clock that ages temporary files; <see cref="TimeProvider.System"/> if null.</param>
    public FileTokenStore(string path, ILogger<FileTokenStore>? logger = null, TimeProvider? timeProvider = null)
        : this(path, protector: null, logger, timeProvider)
    {
    }

    private FileTokenStore(string path, IDataProtector? protector, ILogger? logger, TimeProvider? timeProvider)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        FilePath = Path.GetFullPath(path);
        _protector = protector;
        _logger = logger ?? NullLogger.Instance;
        _refreshLock = new FileRefreshLock(FilePath + ".lock");
        DeleteStaleTempFiles((timeProvider ?? TimeProvider.System).GetUtcNow());
        ReloadIfChanged();
    }

    /// <summary>The token file.</summary>
    public string FilePath { get; }

    /// <summary>True if the file is encrypted (<see cref="CreateProtected"/>).</summary>
    public bool IsProtected => _protector is not null;

    /// <inheritdoc />
    public SessionTokens Current => Volatile.Read(ref _current);

    /// <summary>
    /// Opens a token file encrypted with ASP.NET Core Data Protection, for desktop apps whose disk, backups or other accounts must not see
    /// the tokens: on Windows <c>DataProtectionProvider.Create("MyApp")</c> (package Microsoft.AspNetCore.DataProtection.Extensions) protects
    /// its key ring with DPAPI for the current user. A file the plain store wrote is read and rewritten encrypted at once. A file this key
    /// ring cannot decrypt (another key ring, a lost or revoked key) is logged and treated as "no session", like a corrupt file: it is
    /// replaced on the next write, and the user signs in again.
    /// </summary>
    /// <param name="path">The token file.</param>
    /// <param name="dataProtection">The app's provider; the store creates its protector with <see cref="DataProtectionPurpose"/>.</param>
    /// <param name="logger">Receives the "unreadable file" warnings; never token values.</param>
    /// <param name="timeProvider">The clock that ages temporary files; <see cref="TimeProvider.System"/> if null.</param>
    /// <returns>The store.</returns>
    public static FileTokenStore CreateProtected(string path, IDataProtectionProvider dataProtection, ILogger<FileTokenStore>? logger = null, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(dataProtection);
        return new FileTokenStore(path, dataProtection.CreateProtector(DataProtectionPurpose), logger, timeProvider);
    }

    /// <summary>The cross-process refresh lock on <c>&lt;path&gt;.lock</c>.</summary>
    public IRefreshLock RefreshLock => _refreshLock;

    /// <inheritdoc />
    public async ValueTask<SessionTokens> ReloadAsync(CancellationToken cancellationToken)
    {
        await _writeGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return ReloadIfChanged();
        }
        finally
        {
            _writeGate.Release();
        }
    }

    /// <inheritdoc />
    public async ValueTask<SessionTokens> UpdateAsync(Func<SessionTokens, SessionTokens> update, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(update);
        await _writeGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            // Apply the change to what is on disk now, not to a possibly stale cache: another process may have refreshed meanwhile.
            var latest = ReloadIfChanged();
            var next = update(latest) ?? SessionTokens.Empty;
            if (ReferenceEquals(next, latest))
            {
                return latest;
            }

            await WriteAsync(next, cancellationToken).ConfigureAwait(false);
            Volatile.Write(ref _current, next);
            return next;
        }
        finally
        {
            _writeGate.Release();
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _writeGate.Dispose();
        _refreshLock.Dispose();
    }

    private SessionTokens ReloadIfChanged()
    {
        var stamp = FileStamp.Of(FilePath);
        if (stamp == _seen)
        {
            return Current;
        }

        SessionTokens loaded;
        if (!stamp.Exists)
        {
            loaded = SessionTokens.Empty;
        }
        else
        {
            try
            {
                var bytes = File.ReadAllBytes(FilePath);
                loaded = Decode(bytes, out var problem, out var inClear) ?? SessionTokens.Empty;
                if (problem is not null)
                {
                    Log.TokenFileUnreadable(_logger, FilePath, problem);
                }
                else if (inClear && _protector is not null)
                {
                    _seen = stamp;
                    Volatile.Write(ref _current, loaded);
                    MigrateToProtected(loaded);
                    return loaded;
                }
            }
            catch (FileNotFoundException)
            {
                loaded = SessionTokens.Empty;
            }
            catch (IOException ex)
            {
                Log.TokenFileUnreadable(_logger, FilePath, ex.Message);
                loaded = SessionTokens.Empty;
            }
            catch (UnauthorizedAccessException ex)
            {
                Log.TokenFileUnreadable(_logger, FilePath, ex.Message);
                loaded = SessionTokens.Empty;
            }
        }

        _seen = stamp;
        Volatile.Write(ref _current, loaded);
        return loaded;
    }

    /// <summary>Parses the file's bytes: JSON for the plain store, Data Protection's payload for a protected one (which still reads a
    /// plain file, <paramref name="inClear"/>, to migrate it). Null and a reason (never a token value) when they are not a readable session.</summary>
    private SessionTokens? Decode(byte[] bytes, out string? problem, out bool inClear)
    {
        inClear = _protector is null || LooksLikeJson(bytes);
        if (inClear)
        {
            return TokenFileFormat.Read(bytes, out problem);
        }

        byte[] json;
        try
        {
            json = _protector!.Unprotect(bytes);
        }
        catch (CryptographicException)
        {
            problem = "it cannot be decrypted with this app's data-protection key ring (written with another key ring, a lost or revoked key, or damaged)";
            return null;
        }

        return TokenFileFormat.Read(json, out problem);
    }

    /// <summary>The bytes to write: the JSON, encrypted when the store is protected.</summary>
    private byte[] Encode(SessionTokens tokens)
    {
        var buffer = new ArrayBufferWriter<byte>(512);
        TokenFileFormat.Write(buffer, tokens);
        return _protector is null ? buffer.WrittenSpan.ToArray() : _protector.Protect(buffer.WrittenSpan.ToArray());
    }

    /// <summary>A file the plain store wrote (the first start after switching to the protected store): rewrite it encrypted now.</summary>
    private void MigrateToProtected(SessionTokens tokens)
    {
        var temp = NewTempFile();
        try
        {
            using (var stream = new FileStream(temp, TempFileOptions(FileOptions.None)))
            {
                stream.Write(Encode(tokens));
                stream.Flush(flushToDisk: true);
            }

            File.Move(temp, FilePath, overwrite: true);
            _seen = FileStamp.Of(FilePath);
            Log.TokenFileProtected(_logger, FilePath);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // The session was read; the next write encrypts the file.
            TryDelete(temp);
            Log.TokenFileUnreadable(_logger, FilePath, "it could not be rewritten encrypted yet: " + ex.Message);
        }
    }

    private static bool LooksLikeJson(byte[] bytes)
    {
        var span = bytes.AsSpan();
        if (span.StartsWith("\uFEFF"u8))
        {
            span = span[3..];
        }

        span = span.TrimStart(" \t\r\n"u8);
        return span.IsEmpty || span[0] == (byte)'{' || span[0] == (byte)'[';
    }

    private string NewTempFile()
    {
        Directory.CreateDirectory(Path.GetDirectoryName(FilePath)!);
        return Path.Combine(Path.GetDirectoryName(FilePath)!, TempFilePrefix + Guid.NewGuid().ToString("N") + ".tmp");
    }

    private static FileStreamOptions TempFileOptions(FileOptions fileOptions)
    {
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None, Options = fileOptions };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        return options;
    }

    private async Task WriteAsync(SessionTokens tokens, CancellationToken cancellationToken)
    {
        var temp = NewTempFile();
        var payload = Encode(tokens);
        try
        {
            var stream = new FileStream(temp, TempFileOptions(FileOptions.Asynchronous));
            await using (stream.ConfigureAwait(false))
            {
                await stream.WriteAsync(payload, cancellationToken).ConfigureAwait(false);
                await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
                stream.Flush(flushToDisk: true);
            }

            File.Move(temp, FilePath, overwrite: true);
        }
        catch
        {
            TryDelete(temp);
            throw;
        }

        _seen = FileStamp.Of(FilePath);
    }

    /// <summary>Temporary files of this store are <c>.&lt;file name&gt;.&lt;32 hex digits&gt;.tmp</c> beside the file.</summary>
    private string TempFilePrefix => "." + Path.GetFileName(FilePath) + ".";

    /// <summary>Deletes this store's temporary files that nobody touched for a minute: left by a writer killed before its rename
    /// (nothing else would ever remove them). The age check spares a writer of another process that is writing right now.</summary>
    private void DeleteStaleTempFiles(DateTimeOffset now)
    {
        var directory = Path.GetDirectoryName(FilePath)!;
        var prefix = TempFilePrefix;
        try
        {
            if (!Directory.Exists(directory))
            {
                return;
            }

            foreach (var temp in Directory.EnumerateFiles(directory, prefix + "*.tmp"))
            {
                // The pattern alone would also match the temporary files of a store named "<file name>.<something>".
                var name = Path.GetFileName(temp.AsSpan());
                if (name.Length != prefix.Length + 32 + ".tmp".Length || !Guid.TryParseExact(name.Slice(prefix.Length, 32), "N", out _))
                {
                    continue;
                }

                var info = new FileInfo(temp);
                var age = now - info.LastWriteTimeUtc;
                if (!info.Exists || age < s_staleTempFileAge)
                {
                    continue;
                }

                try
                {
                    info.Delete();
                    Log.StaleTempFileDeleted(_logger, temp, age);
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
                {
                    Log.StaleTempFileNotDeleted(_logger, temp, ex.Message);
                }
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Clean-up is a courtesy: an unreadable directory surfaces (with a clear message) on the first write, not here.
            Log.StaleTempFileNotDeleted(_logger, directory, ex.Message);
        }
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    /// <summary>What identifies one version of the file without reading it (a rename gives a new write time and usually a new length).</summary>
    private readonly record struct FileStamp(bool Exists, DateTime LastWriteUtc, long Length)
    {
        public static FileStamp Of(string path)
        {
            var info = new FileInfo(path);
            return info.Exists ? new FileStamp(true, info.LastWriteTimeUtc, info.Length) : default;
        }
    }
}
