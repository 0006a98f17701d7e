import { Redirect } from 'expo-router';
import { useSession } from '../state/app-state';

export default function Index() {
  const phase = useSession((s) => s.phase);
  return <Redirect href={phase === 'signed_in' ? '/home' : '/login'} />;
}
