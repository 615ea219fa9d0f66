using System.Text;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Sesame.Client;

namespace Sesame.Client.Tests.Security;

/// <summary>
/// Found by reading: the token file is plain JSON (owner-only, but readable by anything running as the user, by backups and from a stolen
/// disk). <see cref="FileTokenStore.CreateProtected"/> encrypts it with ASP.NET Core Data Protection; tested with the real provider
/// (keys persisted to a directory, as <c>DataProtectionProvider.Create</c> does; on Windows they would also be DPAPI-protected).
/// </summary>
public sealed class ProtectedTokenStoreTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "sesame-tests", Guid.NewGuid().ToString("N"));

    private string TokenFile => Path.Combine(_directory, "tokens.bin");

    private string Keys => Path.Combine(_directory, "keys");

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

    [Theory]
    [MemberData(nameof(TransferMethods.Both), MemberType = typeof(TransferMethods))]
    public async Task Security_protected_token_file_holds_no_token_in_clear_and_a_restart_with_the_same_key_ring_reads_the_session(TokenTransferMethod method)
    {
        SessionTokens before;
        await using (var h = await ClientHarness.StartAsync(method, services: s =>
        {
            s.AddDataProtection().SetApplicationName("sesame-tests").PersistKeysToFileSystem(new DirectoryInfo(Keys));
            new SesameClientBuilder(s).UseProtectedFileTokenStore(TokenFile);
        }))
        {
            await h.LoginAsync();
            Assert.Equal((200, "alice"), await h.GetAsync("/"));
            before = h.Store.Current;
            Assert.True(((FileTokenStore)h.Store).IsProtected);
        }

        AssertNoSecretIn(await File.ReadAllBytesAsync(TokenFile, Ct), before);

        // A restart: a new provider on the same key ring, a new store on the same file.
        using var restarted = FileTokenStore.CreateProtected(TokenFile, Provider(Keys));
        Assert.Equal(before.FrontToken, restarted.Current.FrontToken);
        Assert.Equal(before.AccessToken, restarted.Current.AccessToken);
        Assert.Equal(before.RefreshToken, restarted.Current.RefreshToken);
        Assert.Equal(before.Cookies.Select(c => c.Value), restarted.Current.Cookies.Select(c => c.Value));
    }

    [Fact]
    public async Task Plain_file_is_encrypted_on_first_read()
    {
        var tokens = Tokens();
        using (var plain = new FileTokenStore(TokenFile))
        {
            await plain.UpdateAsync(_ => tokens, Ct);
        }

        Assert.Contains("rt-secret", await File.ReadAllTextAsync(TokenFile, Ct), StringComparison.Ordinal);

        using var store = FileTokenStore.CreateProtected(TokenFile, Provider(Keys));

        Assert.Equal("rt-secret", store.Current.RefreshToken);
        AssertNoSecretIn(await File.ReadAllBytesAsync(TokenFile, Ct), tokens);
        using var reopened = FileTokenStore.CreateProtected(TokenFile, Provider(Keys));
        Assert.Equal("rt-secret", reopened.Current.RefreshToken);
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(TokenFile));
        }
    }

    [Fact]
    public async Task File_of_another_key_ring_is_no_session_logged_clearly_and_kept_until_the_next_write()
    {
        using (var first = FileTokenStore.CreateProtected(TokenFile, Provider(Keys)))
        {
            await first.UpdateAsync(_ => Tokens(), Ct);
        }

        var written = await File.ReadAllBytesAsync(TokenFile, Ct);
        var logs = new FakeLogCollector();
        using var loggerFactory = LoggerFactory.Create(b => b.AddProvider(new FakeLoggerProvider(logs)));

        using var other = FileTokenStore.CreateProtected(TokenFile, Provider(Path.Combine(_directory, "other-keys")), loggerFactory.CreateLogger<FileTokenStore>());

        Assert.Same(SessionTokens.Empty, other.Current);
        var warning = Assert.Single(logs.GetSnapshot(), r => r.Id.Id == 3001);
        Assert.Contains("key ring", warning.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("rt-secret", warning.Message, StringComparison.Ordinal);
        Assert.Equal(written, await File.ReadAllBytesAsync(TokenFile, Ct));
    }

    private static IDataProtectionProvider Provider(string keys)
    {
        var services = new ServiceCollection();
        services.AddDataProtection().SetApplicationName("sesame-tests").PersistKeysToFileSystem(new DirectoryInfo(keys));
        return services.BuildServiceProvider().GetRequiredService<IDataProtectionProvider>();
    }

    private static SessionTokens Tokens() => new()
    {
        FrontToken = "ft-secret",
        AccessToken = "at-secret",
        RefreshToken = "rt-secret",
        AntiCsrfToken = "csrf-secret",
        LastAccessTokenUpdate = 1,
    };

    private static void AssertNoSecretIn(byte[] file, SessionTokens tokens)
    {
        var text = Encoding.UTF8.GetString(file);
        Assert.DoesNotContain("sesame.client.tokens", text, StringComparison.Ordinal);
        foreach (var secret in new[] { tokens.FrontToken, tokens.AccessToken, tokens.RefreshToken, tokens.AntiCsrfToken }.Concat(tokens.Cookies.Select(c => c.Value)))
        {
            if (!string.IsNullOrEmpty(secret))
            {
                Assert.DoesNotContain(secret, text, StringComparison.Ordinal);
            }
        }
    }
}
