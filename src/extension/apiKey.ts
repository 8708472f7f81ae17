/** The SecretStorage key that holds the model endpoint's API key: the one place a key is kept. */
export const API_KEY_SECRET = 'groundwork.apiKey';
