namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Remembers which clients already got the session handler (null name = all clients).</summary>
internal sealed class SessionHandlerRegistration(string? name)
{
    public string? Name { get; } = name;

    public static bool Exists(IServiceCollection services, string? name)
    {
        foreach (var descriptor in services)
        {
            if (descriptor.ServiceType == typeof(SessionHandlerRegistration)
                && descriptor.ImplementationInstance is SessionHandlerRegistration registration
                && string.Equals(registration.Name, name, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }
}
