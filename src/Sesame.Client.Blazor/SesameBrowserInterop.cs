using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.JSInterop;
using Sesame.Client.Blazor.Internal;

namespace Sesame.Client.Blazor;

/// <summary>
/// The package's JavaScript module (<c>_content/Sesame.Client.Blazor/sesame-client-blazor.js</c>), imported once and shared by the token
/// store, the refresh lock and the authentication state provider. After the first import the module is called synchronously
/// (<see cref="IJSInProcessObjectReference"/>: WebAssembly runs .NET and JavaScript on one thread), so reading the session is as cheap as
/// the official client's <c>document.cookie</c> read.
/// </summary>
public sealed class SesameBrowserInterop : IAsyncDisposable
{
    /// <summary>Where the module is served (a static web asset of this package).</summary>
    public const string ModulePath = "./_content/Sesame.Client.Blazor/sesame-client-blazor.js";

    private readonly IJSRuntime _js;
    private readonly ILogger _logger;
    private Task<IJSInProcessObjectReference>? _loading;
    private IJSInProcessObjectReference? _module;
    private bool? _locksSupported;

    /// <summary>Creates the interop over the app's JavaScript runtime.</summary>
    /// <param name="js">The JavaScript runtime (in WebAssembly an <see cref="IJSInProcessRuntime"/>).</param>
    /// <param name="logger">Optional logger.</param>
    public SesameBrowserInterop(IJSRuntime js, ILogger<SesameBrowserInterop>? logger = null)
    {
        _js = js ?? throw new ArgumentNullException(nameof(js));
        _logger = (ILogger?)logger ?? NullLogger.Instance;
    }

    /// <summary>The module once loaded, else null (the synchronous readers fall back to their last known state until then).</summary>
    internal IJSInProcessObjectReference? LoadedModule => Volatile.Read(ref _module);

    /// <summary>Imports the module (once) and returns it.</summary>
    /// <param name="cancellationToken">Cancels waiting for the import (the import itself goes on and is reused).</param>
    /// <returns>The module.</returns>
    internal async ValueTask<IJSInProcessObjectReference> GetModuleAsync(CancellationToken cancellationToken)
    {
        if (LoadedModule is { } module)
        {
            return module;
        }

        var loading = _loading ??= LoadAsync();
        return await loading.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Whether the browser has the Web Locks API (known after the module is loaded).</summary>
    [System.Diagnostics.CodeAnalysis.UnconditionalSuppressMessage("Trimming", "IL2026", Justification = "Only strings, numbers, booleans and string arrays cross into JavaScript and back; System.Text.Json handles them without reflection over app types.")]
    internal bool LocksSupported(IJSInProcessObjectReference module) => _locksSupported ??= module.Invoke<bool>("locksSupported");

    private async Task<IJSInProcessObjectReference> LoadAsync()
    {
        try
        {
            var module = await _js.InvokeAsync<IJSInProcessObjectReference>("import", ModulePath).ConfigureAwait(false);
            Volatile.Write(ref _module, module);
            Log.ModuleLoaded(_logger, ModulePath);
            return module;
        }
        catch
        {
            // A failed import (e.g. the static web asset is not served) is retried by the next caller instead of failing forever.
            _loading = null;
            throw;
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _module, null) is { } module)
        {
            try
            {
                await module.DisposeAsync().ConfigureAwait(false);
            }
            catch (JSDisconnectedException)
            {
                // The page is going away: nothing to release.
            }
        }
    }
}
