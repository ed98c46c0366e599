// Safeguarding support bot: everything it needs in one resource group.
// Deploy with: az deployment group create -g <rg> -f infra/main.bicep -p infra/main.parameters.json
// See docs/deploy.md for the whole journey from an empty resource group to a Teams chat.

targetScope = 'resourceGroup'

@description('Short name used to build resource names (letters and digits, 3-12 characters).')
@minLength(3)
@maxLength(12)
param namePrefix string

@description('Azure region for everything except the bot registration, which is global.')
param location string = resourceGroup().location

@description('How the bot authenticates to the Bot Framework. UserAssignedMSI needs no secret; SingleTenant uses an Entra app registration and its client secret.')
@allowed([
  'UserAssignedMSI'
  'SingleTenant'
])
param botIdentityType string = 'UserAssignedMSI'

@description('SingleTenant only: the application (client) id of the Entra app registration.')
param botAppId string = ''

@description('SingleTenant only: a client secret of that app registration. Stored in Key Vault, never in app settings.')
@secure()
param botAppPassword string = ''

@description('Signs the 15-minute download links, so a link made by one instance works on every other and after a restart. At least 32 characters, for example from: openssl rand -base64 48. Stored in Key Vault. The default is a new random key at each deployment (links issued in the 15 minutes before it then stop working); pass your own to keep it.')
@secure()
@minLength(32)
param exportSigningKey string = newGuid()

@description('During a rotation of exportSigningKey: the key it replaces, still accepted for links made before. Leave empty otherwise.')
@secure()
param exportSigningKeyPrevious string = ''

@description('Comma-separated Entra object ids of the first safeguarding leads.')
param safeguardingLeadIds string = ''

@description('App Service plan size. B1 is enough for a pilot; use P1v3 or above for production.')
param appServiceSku string = 'B1'

@description('Azure Bot pricing tier. F0 is free (standard channels such as Teams are free on either).')
@allowed([
  'F0'
  'S1'
])
param botSku string = 'F0'

var suffix = uniqueString(resourceGroup().id)
var webAppName = '${namePrefix}-bot-${suffix}'
var databaseName = 'safeguarding'

// Every container the app creates at start, with the same partition keys (src/storage/containers.ts).
// A test checks that the two lists are identical.
var containers = [
  { name: 'people', partitionKey: '/id' }
  { name: 'entraIds', partitionKey: '/id' }
  { name: 'conversations', partitionKey: '/id' }
  { name: 'referrals', partitionKey: '/aadObjectId' }
  { name: 'assessments', partitionKey: '/practiceCode' }
  { name: 'training', partitionKey: '/employeeId' }
  { name: 'briefings', partitionKey: '/id' }
  { name: 'deliveries', partitionKey: '/briefingId' }
  { name: 'content', partitionKey: '/set' }
  { name: 'audit', partitionKey: '/month' }
  { name: 'imports', partitionKey: '/importId' }
]

resource logs 'Microsoft.OperationalInsights/workspaces@2023-09-01' = {
  name: '${namePrefix}-logs-${suffix}'
  location: location
  properties: {
    sku: { name: 'PerGB2018' }
    retentionInDays: 30
  }
}

resource insights 'Microsoft.Insights/components@2020-02-02' = {
  name: '${namePrefix}-insights-${suffix}'
  location: location
  kind: 'web'
  properties: {
    Application_Type: 'web'
    WorkspaceResourceId: logs.id
  }
}

resource botIdentity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = if (botIdentityType == 'UserAssignedMSI') {
  name: '${namePrefix}-bot-identity-${suffix}'
  location: location
}

var msaAppId = botIdentityType == 'UserAssignedMSI' ? botIdentity.properties.clientId : botAppId

resource cosmos 'Microsoft.DocumentDB/databaseAccounts@2024-11-15' = {
  name: '${namePrefix}-cosmos-${suffix}'
  location: location
  kind: 'GlobalDocumentDB'
  properties: {
    databaseAccountOfferType: 'Standard'
    consistencyPolicy: { defaultConsistencyLevel: 'Session' }
    locations: [
      {
        locationName: location
        failoverPriority: 0
        isZoneRedundant: false
      }
    ]
    capabilities: [
      { name: 'EnableServerless' }
    ]
    minimalTlsVersion: 'Tls12'
    disableLocalAuth: false
  }
}

resource database 'Microsoft.DocumentDB/databaseAccounts/sqlDatabases@2024-11-15' = {
  parent: cosmos
  name: databaseName
  properties: {
    resource: { id: databaseName }
  }
}

resource cosmosContainers 'Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers@2024-11-15' = [
  for c in containers: {
    parent: database
    name: c.name
    properties: {
      resource: {
        id: c.name
        partitionKey: {
          paths: [c.partitionKey]
          kind: 'Hash'
        }
        // Time to live on, nothing expiring by default: documents that carry a `ttl` (import
        // reports, closed referral follow-ups) are removed by Cosmos DB when it runs out.
        defaultTtl: -1
      }
    }
  }
]

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' = {
  name: '${namePrefix}-kv-${take(suffix, 8)}'
  location: location
  properties: {
    tenantId: subscription().tenantId
    sku: {
      family: 'A'
      name: 'standard'
    }
    enableRbacAuthorization: true
    enableSoftDelete: true
    enablePurgeProtection: true
  }
}

resource cosmosKeySecret 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = {
  parent: vault
  name: 'cosmos-key'
  properties: {
    value: cosmos.listKeys().primaryMasterKey
  }
}

resource botPasswordSecret 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = if (botIdentityType == 'SingleTenant') {
  parent: vault
  name: 'bot-app-password'
  properties: {
    value: botAppPassword
  }
}

resource exportKeySecret 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = {
  parent: vault
  name: 'export-signing-key'
  properties: {
    value: exportSigningKey
  }
}

resource exportPreviousKeySecret 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = if (!empty(exportSigningKeyPrevious)) {
  parent: vault
  name: 'export-signing-key-previous'
  properties: {
    value: exportSigningKeyPrevious
  }
}

resource plan 'Microsoft.Web/serverfarms@2023-12-01' = {
  name: '${namePrefix}-plan-${suffix}'
  location: location
  kind: 'linux'
  sku: { name: appServiceSku }
  properties: {
    reserved: true
  }
}

var keyVaultRef = '@Microsoft.KeyVault(VaultName=${vault.name};SecretName='
var botSettings = botIdentityType == 'SingleTenant'
  ? [
      { name: 'MicrosoftAppPassword', value: '${keyVaultRef}bot-app-password)' }
    ]
  : []
var previousKeySettings = empty(exportSigningKeyPrevious)
  ? []
  : [
      { name: 'EXPORT_SIGNING_KEY_PREVIOUS', value: '${keyVaultRef}export-signing-key-previous)' }
    ]

resource web 'Microsoft.Web/sites@2023-12-01' = {
  name: webAppName
  location: location
  kind: 'app,linux'
  identity: botIdentityType == 'UserAssignedMSI'
    ? {
        type: 'SystemAssigned, UserAssigned'
        userAssignedIdentities: { '${botIdentity.id}': {} }
      }
    : { type: 'SystemAssigned' }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    siteConfig: {
      linuxFxVersion: 'NODE|24-lts' // Node 24 LTS (Node 20 reached end of life on 30 April 2026)
      appCommandLine: 'node --heap-growing-percent=25 --max-semi-space-size=32 dist/src/server/main.js'
      alwaysOn: appServiceSku != 'F1'
      ftpsState: 'Disabled'
      minTlsVersion: '1.2'
      healthCheckPath: '/healthz'
      appSettings: concat(
        [
          { name: 'NODE_ENV', value: 'production' }
          { name: 'SCM_DO_BUILD_DURING_DEPLOYMENT', value: 'false' } // we deploy a built package (docs/deploy.md)
          { name: 'MicrosoftAppId', value: msaAppId }
          { name: 'MicrosoftAppType', value: botIdentityType }
          { name: 'MicrosoftAppTenantId', value: subscription().tenantId }
          { name: 'COSMOS_ENDPOINT', value: cosmos.properties.documentEndpoint }
          { name: 'COSMOS_KEY', value: '${keyVaultRef}cosmos-key)' }
          { name: 'COSMOS_DATABASE', value: databaseName }
          { name: 'SAFEGUARDING_LEAD_IDS', value: safeguardingLeadIds }
          { name: 'PUBLIC_BASE_URL', value: 'https://${webAppName}.azurewebsites.net' }
          { name: 'EXPORT_SIGNING_KEY', value: '${keyVaultRef}export-signing-key)' }
          { name: 'LOG_LEVEL', value: 'info' }
          { name: 'APPLICATIONINSIGHTS_CONNECTION_STRING', value: insights.properties.ConnectionString }
        ],
        botSettings,
        previousKeySettings
      )
    }
  }
}

// The web app reads its secrets from Key Vault with its own identity.
var keyVaultSecretsUser = subscriptionResourceId('Microsoft.Authorization/roleDefinitions', '4633458b-17de-408a-b874-0445c86b69e6')

resource webCanReadSecrets 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  scope: vault
  name: guid(vault.id, web.id, keyVaultSecretsUser)
  properties: {
    roleDefinitionId: keyVaultSecretsUser
    principalId: web.identity.principalId
    principalType: 'ServicePrincipal'
  }
}

resource bot 'Microsoft.BotService/botServices@2022-09-15' = {
  name: '${namePrefix}-bot-${suffix}'
  location: 'global'
  kind: 'azurebot'
  sku: { name: botSku }
  properties: {
    displayName: 'Safeguarding support'
    endpoint: 'https://${web.properties.defaultHostName}/api/messages'
    msaAppId: msaAppId
    msaAppType: botIdentityType
    msaAppTenantId: subscription().tenantId
    msaAppMSIResourceId: botIdentityType == 'UserAssignedMSI' ? botIdentity.id : null
    developerAppInsightKey: insights.properties.InstrumentationKey
  }
}

resource teamsChannel 'Microsoft.BotService/botServices/channels@2022-09-15' = {
  parent: bot
  name: 'MsTeamsChannel'
  location: 'global'
  properties: {
    channelName: 'MsTeamsChannel'
    properties: {
      isEnabled: true
    }
  }
}

@description('MicrosoftAppId for `npm run package`.')
output botAppId string = msaAppId

@description('BOT_DOMAIN for `npm run package`.')
output botDomain string = web.properties.defaultHostName

output webAppName string = web.name
output cosmosEndpoint string = cosmos.properties.documentEndpoint
output keyVaultName string = vault.name
