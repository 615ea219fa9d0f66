using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Time.Testing;
using Sesame.Client;

namespace Sesame.Client.Tests;

/// <summary>The file token store: restarts, atomic writes, corrupt/foreign files, change detection, and the OS file lock.</summary>
public sealed class FileTokenStoreTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "sesame-tests", Guid.NewGuid().ToString("N"));

    private string TokenFile => Path.Combine(_directory, "tokens.json");

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
    public async Task Session_survives_a_client_restart(TokenTransferMethod method)
    {
        await using (var h = await ClientHarness.StartAsync(method, services: s => s.Replace(ServiceDescriptor.Singleton<ITokenStore>(new FileTokenStore(TokenFile)))))
        {
            await h.LoginAsync();
            h.ExpireAccessToken();

            // A second client process started later: a new container, a new store object on the same file, no login.
            var services = new ServiceCollection();
            services.AddSingleton<TimeProvider>(h.Time);
            services.AddSesameClient(o =>
            {
                o.ApiDomain = h.Server.BaseAddress.ToString();
                o.TokenTransferMethod = method;
            }).UseFileTokenStore(TokenFile);
            services.AddHttpClient("api", c => c.BaseAddress = h.Server.BaseAddress).AddSessionHandler();
            await using var restarted = services.BuildServiceProvider();
            var api = restarted.GetRequiredService<IHttpClientFactory>().CreateClient("api");

            using var response = await api.GetAsync("/");
            Assert.Equal("alice", await response.Content.ReadAsStringAsync());
            Assert.Equal(1, h.Server.RefreshCalledCount);
            Assert.Equal("alice", await restarted.GetRequiredService<ISessionClient>().GetUserIdAsync());
        }

        Assert.Empty(Directory.GetFiles(_directory, "*.tmp"));
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(TokenFile));
        }
    }

    [Theory]
    [InlineData("")]
    [InlineData("{\"format\":\"sesame.client.tokens\",\"version\":1,\"frontToken\":\"abc")]
    [InlineData("\u0000\u0001garbage")]
    [InlineData("{\"hello\":\"world\"}")]
    [InlineData("{\"format\":\"sesame.client.tokens\",\"version\":99}")]
    [InlineData("[1,2,3]")]
    [InlineData("{\"format\":\"sesame.client.tokens\",\"version\":1,\"cookies\":[{\"name\":1}]}")]
    public async Task Corrupt_truncated_or_foreign_file_is_no_session_and_logged_clearly(string content)
    {
        Directory.CreateDirectory(_directory);
        await File.WriteAllTextAsync(TokenFile, content);
        var logs = new FakeLogCollector();
        using var loggerFactory = LoggerFactory.Create(b => b.AddProvider(new FakeLoggerProvider(logs)));

        using var store = new FileTokenStore(TokenFile, loggerFactory.CreateLogger<FileTokenStore>());

        Assert.Same(SessionTokens.Empty, store.Current);
        var record = Assert.Single(logs.GetSnapshot());
        Assert.Equal(LogLevel.Warning, record.Level);
        Assert.Contains(TokenFile, record.Message);
        Assert.Contains("continuing without a session", record.Message);

        // The next login replaces it.
        await store.UpdateAsync(_ => new SessionTokens { FrontToken = "f", LastAccessTokenUpdate = 1 }, default);
        using var reopened = new FileTokenStore(TokenFile);
        Assert.Equal("f", reopened.Current.FrontToken);
    }

    [Fact]
    public async Task Corrupt_file_client_still_works_and_logs_in()
    {
        Directory.CreateDirectory(_directory);
        await File.WriteAllTextAsync(TokenFile, "{ not json");
        await using var h = await ClientHarness.StartAsync(TokenTransferMethod.Header, services: s => s.Replace(ServiceDescriptor.Singleton<ITokenStore>(sp => new FileTokenStore(TokenFile, sp.GetRequiredService<ILogger<FileTokenStore>>()))));

        Assert.Equal(401, (await h.GetAsync("/")).Status);
        await h.LoginAsync();
        Assert.Equal((200, "alice"), await h.GetAsync("/"));
        Assert.Contains(h.Logs.GetSnapshot(), r => r.Message.Contains("could not be used", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Round_trip_all_fields_and_changes_by_another_process_are_seen_on_reload()
    {
        using var writer = new FileTokenStore(TokenFile);
        using var reader = new FileTokenStore(TokenFile);
        var cookie = new StoredCookie("sAccessToken", "v=1", "127.0.0.1", "/", DateTimeOffset.UtcNow.AddDays(1), true, false);
        var tokens = new SessionTokens { FrontToken = "f", AccessToken = "a", RefreshToken = "r", AntiCsrfToken = "c", LastAccessTokenUpdate = 42, Cookies = [cookie] };

        await writer.UpdateAsync(_ => tokens, default);

        Assert.Same(SessionTokens.Empty, reader.Current); // no I/O on the hot path
        var reloaded = await reader.ReloadAsync(default);
        Assert.Equal(tokens, reloaded);
        Assert.Equal(tokens, reader.Current);
        Assert.DoesNotContain("v=1", tokens.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("\"a\"", tokens.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Update_applies_to_the_latest_file_not_a_stale_cache()
    {
        using var a = new FileTokenStore(TokenFile);
        using var b = new FileTokenStore(TokenFile);
        await a.UpdateAsync(_ => new SessionTokens { RefreshToken = "rt-2", LastAccessTokenUpdate = 2 }, default);

        var result = await b.UpdateAsync(t => t with { AntiCsrfToken = "x" }, default);

        Assert.Equal("rt-2", result.RefreshToken);
        Assert.Equal("x", result.AntiCsrfToken);
    }

    [Fact]
    public async Task Open_deletes_stale_temp_files_of_this_store_keeps_fresh_ones_and_others()
    {
        Directory.CreateDirectory(_directory);
        var time = new FakeTimeProvider(new DateTimeOffset(2030, 1, 2, 3, 4, 5, TimeSpan.Zero));
        string Plant(string name, TimeSpan age)
        {
            var path = Path.Combine(_directory, name);
            File.WriteAllText(path, "{\"format\":\"sesame.client.tokens\",\"version\":1,\"refreshTok");
            File.SetLastWriteTimeUtc(path, (time.GetUtcNow() - age).UtcDateTime);
            return path;
        }

        var stale = Plant($".tokens.json.{Guid.NewGuid():N}.tmp", TimeSpan.FromMinutes(5)); // left by a killed writer
        var fresh = Plant($".tokens.json.{Guid.NewGuid():N}.tmp", TimeSpan.FromSeconds(2)); // another process writing right now
        var otherStore = Plant($".tokens.json.bak.{Guid.NewGuid():N}.tmp", TimeSpan.FromHours(1)); // the store "tokens.json.bak"
        var notOurs = Plant(".tokens.json.notes.tmp", TimeSpan.FromHours(1));
        var logs = new FakeLogCollector();
        using var loggerFactory = LoggerFactory.Create(b => b.AddProvider(new FakeLoggerProvider(logs)).SetMinimumLevel(LogLevel.Debug));

        using var store = new FileTokenStore(TokenFile, loggerFactory.CreateLogger<FileTokenStore>(), time);

        Assert.False(File.Exists(stale));
        Assert.True(File.Exists(fresh));
        Assert.True(File.Exists(otherStore));
        Assert.True(File.Exists(notOurs));
        var record = Assert.Single(logs.GetSnapshot());
        Assert.Equal(LogLevel.Debug, record.Level);
        Assert.Contains(stale, record.Message, StringComparison.Ordinal);
        Assert.Same(SessionTokens.Empty, store.Current);
        await store.UpdateAsync(_ => new SessionTokens { RefreshToken = "r", LastAccessTokenUpdate = 1 }, default);
        Assert.True(File.Exists(fresh)); // the store's own writes never touch another writer's file
    }

    [Fact]
    public async Task File_lock_is_exclusive_across_holders_and_released_on_dispose()
    {
        Directory.CreateDirectory(_directory);
        using var first = new FileRefreshLock(TokenFile + ".lock");
        using var second = new FileRefreshLock(TokenFile + ".lock");

        var held = await first.TryAcquireAsync(TimeSpan.FromSeconds(1), default);
        Assert.NotNull(held);
        var started = System.Diagnostics.Stopwatch.StartNew();
        Assert.Null(await second.TryAcquireAsync(TimeSpan.FromMilliseconds(200), default));
        Assert.InRange(started.ElapsedMilliseconds, 150, 5000);

        await held.DisposeAsync();
        var next = await second.TryAcquireAsync(TimeSpan.FromSeconds(1), default);
        Assert.NotNull(next);
        await next.DisposeAsync();
    }
}
