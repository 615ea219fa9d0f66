using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Sesame.Client;

namespace Sesame.Client.Tests.Security;

/// <summary>
/// Found by reading: the refresh lock file was created with the default mode (another local user could open it and hold the OS lock) and a
/// held lock made the refresh wait forever. The file is now owner-only like the token file, and the wait is bounded
/// (<see cref="SesameClientOptions.RefreshLockMaxWait"/>): a clear <see cref="TimeoutException"/> naming the file, the session kept.
/// </summary>
public sealed class RefreshLockSecurityTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "sesame-tests", Guid.NewGuid().ToString("N"));

    private string TokenFile => Path.Combine(_directory, "tokens.json");

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose()
    {
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
        }
    }

    [Fact]
    public async Task Security_refresh_lock_file_is_created_readable_by_its_owner_only()
    {
        using var refreshLock = new FileRefreshLock(TokenFile + ".lock");

        await using (await refreshLock.TryAcquireAsync(TimeSpan.FromSeconds(5), Ct))
        {
        }

        if (OperatingSystem.IsWindows())
        {
            Assert.Skip("Unix file modes (on Windows the file inherits the user-profile directory's ACL)");
        }
        else
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(refreshLock.LockFilePath));
        }
    }

    [Fact]
    public async Task Security_refresh_lock_held_by_another_handle_fails_within_the_bound_and_keeps_the_session()
    {
        await using var h = await ClientHarness.StartAsync(
            TokenTransferMethod.Header,
            client: o =>
            {
                o.RefreshLockWaitTimeout = TimeSpan.FromMilliseconds(50);
                o.RefreshLockMaxWait = TimeSpan.FromMilliseconds(300);
            },
            services: s => s.Replace(ServiceDescriptor.Singleton<ITokenStore>(new FileTokenStore(TokenFile))));
        await h.LoginAsync();
        var before = h.Store.Current;
        h.Server.ResetCounters();
        h.ExpireAccessToken();

        // Another holder of the OS lock (another file description: flock on Unix, a sharing violation on Windows), e.g. another local user.
        var lockFile = TokenFile + ".lock";
        await using var held = new FileStream(lockFile, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        using var giveUp = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        giveUp.CancelAfter(TimeSpan.FromSeconds(10));

        var error = await Assert.ThrowsAsync<TimeoutException>(() => h.Api.GetAsync("/", giveUp.Token));

        Assert.Contains(Path.GetFullPath(lockFile), error.Message, StringComparison.Ordinal);
        Assert.False(giveUp.IsCancellationRequested);
        Assert.Equal(0, h.Server.RefreshAttemptedCount);
        Assert.Equal(before.RefreshToken, h.Store.Current.RefreshToken);
        Assert.Equal(before.FrontToken, h.Store.Current.FrontToken);
        using var reread = new FileTokenStore(TokenFile);
        Assert.Equal(before.RefreshToken, reread.Current.RefreshToken);
    }
}
