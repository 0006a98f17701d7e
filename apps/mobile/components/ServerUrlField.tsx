import { useState } from 'react';
import { View } from 'react-native';
import { defaultServerUrlForDisplay, session, useSession } from '../state/app-state';
import { Button } from './Button';
import { TextField } from './TextField';
import { Txt } from './Txt';

/** Self-hosters point the app at their own server; blank means the default. */
export function ServerUrlField({ compact = false }: { compact?: boolean }) {
  const serverUrl = useSession((s) => s.serverUrl);
  const [editing, setEditing] = useState(!compact);
  const [text, setText] = useState(serverUrl);
  const [error, setError] = useState<string | undefined>();
  const [saved, setSaved] = useState(false);
  const shown = serverUrl || defaultServerUrlForDisplay();

  if (!editing) {
    return (
      <View style={{ flexDirection: 'row', alignItems: 'center', gap: 8, flexWrap: 'wrap' }}>
        <Txt variant="small">Server: {shown}</Txt>
        <Button title="Change server" kind="secondary" onPress={() => setEditing(true)} />
      </View>
    );
  }

  return (
    <View style={{ gap: 8 }}>
      <TextField
        label="Server URL"
        value={text}
        onChangeText={(v) => {
          setText(v);
          setSaved(false);
        }}
        placeholder={defaultServerUrlForDisplay()}
        autoCapitalize="none"
        autoCorrect={false}
        inputMode="url"
        error={error}
        hint={`Leave blank for ${defaultServerUrlForDisplay()}. Changing it signs you out.`}
      />
      <Button
        title={saved ? 'Saved' : 'Save server URL'}
        kind="secondary"
        onPress={() => {
          session.store
            .getState()
            .setServerUrl(text)
            .then(() => {
              setError(undefined);
              setSaved(true);
              setText(session.store.getState().serverUrl);
            })
            .catch(() => setError('Enter a URL like http://192.168.1.20:8000'));
        }}
      />
    </View>
  );
}
