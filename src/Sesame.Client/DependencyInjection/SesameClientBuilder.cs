using System.Diagnostics.CodeAnalysis;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Sesame.Client;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Returned by <c>AddSesameClient</c>: chooses the token store and refresh lock.</summary>
/// <param name="services">The service collection.</param>
public sealed class SesameClientBuilder(IServiceCollection services)
{
    /// <summary>The service collection.</summary>
    public IServiceCollection Services { get; } = services;

    /// <summary>Keeps the session in a file (survives restarts; processes sharing the file refresh once, under an OS file lock).</summary>
    /// <param name="path">The token file.</param>
    /// <returns>This builder.</returns>
    public SesameClientBuilder UseFileTokenStore(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        Services.Replace(ServiceDescriptor.Singleton<ITokenStore>(sp => new FileTokenStore(path, sp.GetService<ILogger<FileTokenStore>>(), sp.GetService<TimeProvider>())));
        return this;
    }

    /// <summary>Keeps the session in a file encrypted with ASP.NET Core Data Protection (<see cref="FileTokenStore.CreateProtected"/>), using the
    /// app's <see cref="IDataProtectionProvider"/> (register it with <c>services.AddDataProtection()</c>, package Microsoft.AspNetCore.DataProtection).
    /// A file written by <see cref="UseFileTokenStore"/> is encrypted on first read.</summary>
    /// <param name="path">The token file.</param>
    /// <returns>This builder.</returns>
    public SesameClientBuilder UseProtectedFileTokenStore(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        Services.Replace(ServiceDescriptor.Singleton<ITokenStore>(sp => FileTokenStore.CreateProtected(
            path,
            sp.GetService<IDataProtectionProvider>() ?? throw new InvalidOperationException(
                "UseProtectedFileTokenStore needs an IDataProtectionProvider: call services.AddDataProtection() (package Microsoft.AspNetCore.DataProtection), " +
                "or pass a provider, e.g. UseProtectedFileTokenStore(path, DataProtectionProvider.Create(\"MyApp\")) (package Microsoft.AspNetCore.DataProtection.Extensions)."),
            sp.GetService<ILogger<FileTokenStore>>(),
            sp.GetService<TimeProvider>())));
        return this;
    }

    /// <summary>Keeps the session in a file encrypted with the given Data Protection provider, e.g. <c>DataProtectionProvider.Create("MyApp")</c>
    /// (on Windows its key ring is protected with DPAPI for the current user).</summary>
    /// <param name="path">The token file.</param>
    /// <param name="dataProtection">The provider.</param>
    /// <returns>This builder.</returns>
    public SesameClientBuilder UseProtectedFileTokenStore(string path, IDataProtectionProvider dataProtection)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        ArgumentNullException.ThrowIfNull(dataProtection);
        Services.Replace(ServiceDescriptor.Singleton<ITokenStore>(sp => FileTokenStore.CreateProtected(
            path, dataProtection, sp.GetService<ILogger<FileTokenStore>>(), sp.GetService<TimeProvider>())));
        return this;
    }

    /// <summary>Uses a custom token store (a singleton). If it implements <see cref="IRefreshLockProvider"/>, its lock is used.</summary>
    /// <typeparam name="TStore">The store type.</typeparam>
    /// <returns>This builder.</returns>
    public SesameClientBuilder UseTokenStore<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] TStore>()
        where TStore : class, ITokenStore
    {
        Services.Replace(ServiceDescriptor.Singleton<ITokenStore, TStore>());
        return this;
    }

    /// <summary>Uses a custom refresh lock (a singleton), e.g. one shared with other processes or browser tabs.</summary>
    /// <typeparam name="TLock">The lock type.</typeparam>
    /// <returns>This builder.</returns>
    public SesameClientBuilder UseRefreshLock<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] TLock>()
        where TLock : class, IRefreshLock
    {
        Services.Replace(ServiceDescriptor.Singleton<IRefreshLock, TLock>());
        return this;
    }
}
