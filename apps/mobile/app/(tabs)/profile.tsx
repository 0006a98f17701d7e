import { useState } from 'react';
import { Button } from '../../components/Button';
import { Card, Screen } from '../../components/Screen';
import { ServerUrlField } from '../../components/ServerUrlField';
import { Txt } from '../../components/Txt';
import { session, useSession } from '../../state/app-state';
import { formatTime } from '../../theme/theme';

export default function ProfileScreen() {
  const user = useSession((s) => s.user);
  const [busy, setBusy] = useState(false);
  return (
    <Screen>
      <Card label="Account">
        <Txt variant="heading">Account</Txt>
        <Txt>{user?.name}</Txt>
        <Txt variant="muted">{user?.email}</Txt>
        <Txt variant="small">Member since {formatTime(user?.created_at)}</Txt>
      </Card>
      <Card label="Server">
        <Txt variant="heading">Server</Txt>
        <ServerUrlField />
      </Card>
      <Button
        title="Log out"
        kind="danger"
        busy={busy}
        testID="logout"
        hint="Signs out on this device"
        onPress={() => {
          setBusy(true);
          void session.store.getState().logout();
        }}
      />
    </Screen>
  );
}
