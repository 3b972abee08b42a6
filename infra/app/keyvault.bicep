// The vault for the Telesign API keys. RBAC mode: the app reads secrets as Key Vault Secrets User, the operator
// writes them as Key Vault Secrets Officer (rbac.bicep). The template creates no secret: an operator sets each
// API key after deployment (docs/deploy.md), so no key ever passes through a template, a parameter file or a
// deployment history.

@description('Name of the Key Vault (3 to 24 letters, digits and dashes, unique in Azure).')
param name string

@description('Region of the vault.')
param location string = resourceGroup().location

@description('Tags for the vault.')
param tags object = {}

@description('Purge protection: cannot be turned off once on.')
param purgeProtection bool = true

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    tenantId: tenant().tenantId
    sku: {
      family: 'A'
      name: 'standard'
    }
    enableRbacAuthorization: true
    enableSoftDelete: true
    softDeleteRetentionInDays: 90
    // The property accepts true or nothing: false is refused once it has been true.
    enablePurgeProtection: purgeProtection ? true : null
    // Flex Consumption without a virtual network reaches the vault over its public endpoint.
    publicNetworkAccess: 'Enabled'
    networkAcls: {
      defaultAction: 'Allow'
      bypass: 'AzureServices'
    }
  }
}

output name string = vault.name
output id string = vault.id
output uri string = vault.properties.vaultUri
