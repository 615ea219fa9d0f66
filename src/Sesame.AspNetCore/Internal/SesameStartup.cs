using Microsoft.Extensions.Hosting;

namespace Sesame.AspNetCore.Internal;

/// <summary>Initialises the store and makes sure a signing key exists before the app serves requests.</summary>
internal sealed class SesameStartup(StoreInitializer initializer, SigningKeyRing keys) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await initializer.EnsureInitializedAsync(cancellationToken).ConfigureAwait(false);
        await keys.EnsureReadyAsync(cancellationToken).ConfigureAwait(false);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
